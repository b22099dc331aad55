export * from "./simulate";
export * from "./stats";
export * from "./table";
export * from "./table-benchmark";
