import type { CommandModule } from "yargs";
import { archCommand } from "./arch";
import { simulateCommand } from "./simulate";
import { doctorCommand } from "./doctor";
import { makeDatasetCommand } from "./make-dataset";
import { trainArchCommand } from "./train-arch";
import { trainCommand } from "./train";
import { serverCommand } from "./server";
import { workerCommand } from "./worker";
import { statusCommand } from "./status";
import { demoCommand } from "./demo";
import { exportCommand } from "./export";
import { reportCommand } from "./report";
import { journalCommand } from "./journal";

// One module per command; register new ones here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [
  archCommand,
  simulateCommand,
  doctorCommand,
  makeDatasetCommand,
  trainArchCommand,
  trainCommand,
  serverCommand,
  workerCommand,
  statusCommand,
  demoCommand,
  exportCommand,
  reportCommand,
  journalCommand,
];
