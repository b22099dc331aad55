import type { CommandModule } from "yargs";

export const serverCommand: CommandModule = {
  command: "server",
  describe: "(not implemented yet)",
  handler: () => {
    throw new Error("server: not implemented yet");
  },
};
