import type { CommandModule } from "yargs";

export const demoCommand: CommandModule = {
  command: "demo",
  describe: "(not implemented yet)",
  handler: () => {
    throw new Error("demo: not implemented yet");
  },
};
