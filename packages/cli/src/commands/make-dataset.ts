import type { CommandModule } from "yargs";

export const makeDatasetCommand: CommandModule = {
  command: "make-dataset",
  describe: "(not implemented yet)",
  handler: () => {
    throw new Error("make-dataset: not implemented yet");
  },
};
