// Errors of the store: a bad database URL, or a database that cannot be opened or reached.
export const STORE_ERROR_CODES = ['STORE_URL_INVALID', 'STORE_UNAVAILABLE'] as const;
export type StoreErrorCode = (typeof STORE_ERROR_CODES)[number];

export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly retriable: boolean;
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.retriable = code === 'STORE_UNAVAILABLE';
  }
}
