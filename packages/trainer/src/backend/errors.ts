import { BackendError as CatalogueBackendError } from "@segnas/core";

/** No usable TensorFlow.js backend (or the one asked for cannot be used). */
export class BackendError extends CatalogueBackendError<{
  requested: string;
  rejected: { backend: string; reason: string }[];
}> {
  constructor(message: string, data: { requested: string; rejected: { backend: string; reason: string }[] }) {
    super(message, data);
  }
}
