export * from "./events";
export * from "./state";
export * from "./study";
export * from "./summary";
export * from "./view";
export * from "./paddleslim-import";
