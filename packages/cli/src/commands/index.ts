import type { CommandModule } from "yargs";
import { archCommand } from "./arch";
import { simulateCommand } from "./simulate";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [archCommand, simulateCommand];
