import type { CommandModule } from "yargs";

export const trainArchCommand: CommandModule = {
  command: "train-arch",
  describe: "(not implemented yet)",
  handler: () => {
    throw new Error("train-arch: not implemented yet");
  },
};
