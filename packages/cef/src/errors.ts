// The cef package's error registry: every error it throws is a CefError with a stable code.
// docs/errors.md (section "cef") lists the same codes; errors.test.ts keeps the two in step.

/**
 * Every code of the package. `retriable` is always false: encoding the same record with the same
 * settings fails the same way; the record or the settings must change.
 */
export const CEF_ERRORS = {
  CEF_SETTINGS_INVALID: {
    retriable: false,
    meaning: 'A format setting (format, time format, facility, system name, portal URL, …) is invalid.',
  },
  CEF_FIELD_MISSING: {
    retriable: false,
    meaning: 'A required field of the record is missing (undefined or null).',
  },
  CEF_FIELD_INVALID: {
    retriable: false,
    meaning:
      'A field of the record has the wrong type or an impossible value (e.g. an ip that is no address).',
  },
  CEF_DECODE_INVALID: { retriable: false, meaning: 'The text given to decode() is not a CEF message.' },
} as const satisfies Record<string, { retriable: boolean; meaning: string }>;

export type CefErrorCode = keyof typeof CEF_ERRORS;

export class CefError extends Error {
  readonly retriable: boolean;

  constructor(
    readonly code: CefErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'CefError';
    this.retriable = CEF_ERRORS[code].retriable;
  }
}

/** A format setting is invalid; `setting` names it (e.g. `timeFormat`). */
export class CefSettingsError extends CefError {
  constructor(
    readonly setting: string,
    /** The reason alone, without the setting name (the message has both). */
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super('CEF_SETTINGS_INVALID', `${setting}: ${reason}`, options);
    this.name = 'CefSettingsError';
  }
}

/** A record cannot be encoded; `field` names the record field (e.g. `timestamp`, `ip`). */
export class CefRecordError extends CefError {
  constructor(
    code: 'CEF_FIELD_MISSING' | 'CEF_FIELD_INVALID',
    readonly field: string,
    /** The reason alone, without the field name (the message has both). */
    readonly reason: string,
  ) {
    super(code, `${field}: ${reason}`);
    this.name = 'CefRecordError';
  }
}

/** decode() was given something that is not a CEF message. */
export class CefDecodeError extends CefError {
  constructor(message: string) {
    super('CEF_DECODE_INVALID', message);
    this.name = 'CefDecodeError';
  }
}
