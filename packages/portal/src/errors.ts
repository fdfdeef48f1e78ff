// The portal's API errors: a stable code from the protocol's registry (its HTTP status comes
// with it) and a message safe to show a client. Anything else answers 500 INTERNAL.
import { API_ERRORS, type ApiErrorCode } from '@cloudsiem/protocol';

export interface ApiIssue {
  path: string;
  message: string;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly issues?: ApiIssue[],
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.status = API_ERRORS[code].status;
  }
}

/** zod issues as `path: message` pairs, the path dotted from the request part it came from. */
export function issuesFrom(
  prefix: string,
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): ApiIssue[] {
  return issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.'),
    message: issue.message,
  }));
}

export function badRequest(
  prefix: string,
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
) {
  const list = issuesFrom(prefix, issues);
  return new ApiError('BAD_REQUEST', list.map((i) => `${i.path}: ${i.message}`).join('; '), list);
}
