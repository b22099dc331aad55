import type { CommandModule } from "yargs";

export const workerCommand: CommandModule = {
  command: "worker",
  describe: "(not implemented yet)",
  handler: () => {
    throw new Error("worker: not implemented yet");
  },
};
