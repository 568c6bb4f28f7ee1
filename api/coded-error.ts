// Runs everywhere (engine threads, shells, renderer). An Error that carries the api's ErrorInfo
// fields after crossing a thread or a transport, so callers can branch on `code` and show `message`.
import type { ErrorInfo } from './definition.ts';

export class CodedError extends Error {
  readonly code: string;
  readonly file?: string;
  constructor(info: ErrorInfo) {
    super(info.message);
    this.name = 'CodedError';
    this.code = info.code;
    this.file = info.file;
  }
}
