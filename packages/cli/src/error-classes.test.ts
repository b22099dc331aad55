// The packages' own error classes are the catalogue's classes with typed data: `instanceof` the
// core class of their code holds, and code and exit status come from the catalogue.
import * as core from "@segnas/core";
import { ConfigError, UnknownConfigKeyError } from "@segnas/config";
import { BackendError, DataError, ModelError, NonFiniteLossError } from "@segnas/trainer";

describe("package error classes", () => {
  it.each([
    [new ConfigError("m"), core.ConfigError],
    [new UnknownConfigKeyError("m", { key: "K", source: "s", suggestions: [] }), core.UnknownConfigKeyError],
    [new DataError("m"), core.DataError],
    [new BackendError("m", { requested: "auto", rejected: [] }), core.BackendError],
    [new ModelError("m"), core.ModelError],
    [new NonFiniteLossError("m", { epoch: 1, step: 1, loss: NaN }), core.TrainingError],
  ] as const)("%p is its code's catalogue class", (err, Catalogue) => {
    expect(err).toBeInstanceOf(Catalogue);
    expect(core.ERROR_CLASSES[err.code]).toBe(Catalogue);
    expect(err.exitCode).toBe(core.ERROR_CODES[err.code].exitCode);
  });
});
