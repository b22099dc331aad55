import { SegnasError } from "@segnas/core";

/** The model does not match its architecture, or a saved model / weight set is unusable. */
export class ModelError extends SegnasError {
  constructor(message: string, data: Record<string, unknown> = {}) {
    super("SEGNAS_E_MODEL", message, data);
  }
}
