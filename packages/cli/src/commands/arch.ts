import type { CommandModule } from "yargs";

export const archCommand: CommandModule = {
  command: "arch",
  describe: "(not implemented yet)",
  handler: () => {
    throw new Error("arch: not implemented yet");
  },
};
