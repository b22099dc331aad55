import { ModelError as CatalogueModelError } from "@segnas/core";

/** The model does not match its architecture, or a saved model / weight set is unusable. */
export class ModelError extends CatalogueModelError {
  constructor(message: string, data: Record<string, unknown> = {}) {
    super(message, data);
  }
}
