// Field length limits of the ArcSight CEF implementation standard (header fields and the
// extension dictionary), counted in UTF-8 bytes, applied before escaping.

export const CEF_LIMITS = {
  /** Header: Device Vendor. */
  deviceVendor: 63,
  /** Header: Device Product. */
  deviceProduct: 63,
  /** Header: Device Version. */
  deviceVersion: 31,
  /** Header: Device Event Class ID (the alert type / activity category). */
  signature: 1023,
  /** Header: Name (the alert policy name / activity action). */
  name: 512,
  /**
   * The spec says 40; Microsoft's ids are 50+ characters and its agent keeps them whole (see the
   * golden vectors), so cloudsiem allows 1023 like the other string fields.
   */
  externalId: 1023,
  msg: 1023,
  suser: 1023,
  destinationServiceName: 1023,
  requestClientApplication: 1023,
  /** cs1–cs6. */
  customString: 4000,
  /** Every `*Label`. */
  label: 1023,
} as const;
