/** The strategy factory handed to the server: core's createStrategy / restoreStrategy. */
import { createStrategy, restoreStrategy } from "@segnas/core";
import type { StrategyFactory } from "@segnas/server";

export function coreStrategies(): StrategyFactory {
  return {
    create: (name, space, options) => createStrategy(name, space, options),
    restore: (space, json) => restoreStrategy(space, json),
  };
}
