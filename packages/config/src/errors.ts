/**
 * Config errors (the catalogue classes of @segnas/core, with their data typed). Both carry where the bad input came from (`source`: the file path as given,
 * "command line override", or an environment variable) so the message points at the fix.
 */
import {
  ConfigError as CatalogueConfigError,
  UnknownConfigKeyError as CatalogueUnknownConfigKeyError,
} from "@segnas/core";

/** Where a value came from, as printed in messages. */
export const OVERRIDE_SOURCE = "command line override";

export interface ConfigErrorData extends Record<string, unknown> {
  /** File path as given, "command line override", or "environment variable X". */
  source?: string;
  /** 1-based line in the file, when known. */
  line?: number;
  key?: string;
  value?: unknown;
  expected?: string;
  /** Every problem found (checkSupported reports them all at once). */
  problems?: string[];
}

/** A config file or override is invalid (syntax, type, range, unsupported setting). */
export class ConfigError extends CatalogueConfigError<ConfigErrorData> {
  constructor(message: string, data: ConfigErrorData = {}, options: { cause?: unknown } = {}) {
    super(message, data, options);
  }
}

export interface UnknownConfigKeyData extends Record<string, unknown> {
  key: string;
  source: string;
  line?: number;
  /** Closest known keys, best first (may be empty). */
  suggestions: string[];
}

/** A key outside PaddleSeg's key set (and segnas' SEGNAS.* extensions). */
export class UnknownConfigKeyError extends CatalogueUnknownConfigKeyError<UnknownConfigKeyData> {
  constructor(message: string, data: UnknownConfigKeyData) {
    super(message, data);
  }
}

/** "configs/x.yaml line 7" / "command line override". */
export function describeSource(source: string, line?: number): string {
  return line === undefined ? source : `${source} line ${line}`;
}
