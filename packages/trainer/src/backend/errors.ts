import { SegnasError } from "@segnas/core";

/** No usable TensorFlow.js backend (or the one asked for cannot be used). */
export class BackendError extends SegnasError<{
  requested: string;
  rejected: { backend: string; reason: string }[];
}> {
  constructor(message: string, data: { requested: string; rejected: { backend: string; reason: string }[] }) {
    super("SEGNAS_E_BACKEND", message, data);
  }
}
