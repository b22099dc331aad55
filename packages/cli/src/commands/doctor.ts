import type { CommandModule } from "yargs";

export const doctorCommand: CommandModule = {
  command: "doctor",
  describe: "(not implemented yet)",
  handler: () => {
    throw new Error("doctor: not implemented yet");
  },
};
