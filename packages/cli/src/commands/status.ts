import type { CommandModule } from "yargs";

export const statusCommand: CommandModule = {
  command: "status",
  describe: "(not implemented yet)",
  handler: () => {
    throw new Error("status: not implemented yet");
  },
};
