import type { CommandModule } from "yargs";

export const trainCommand: CommandModule = {
  command: "train",
  describe: "(not implemented yet)",
  handler: () => {
    throw new Error("train: not implemented yet");
  },
};
