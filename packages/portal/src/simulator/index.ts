// The connected-app simulator: realistic activities, Defender for Identity alerts and the policies
// they trigger, for `cloudsiem simulate`, `cloudsiem up` and tests.
export * from './generator.ts';
export * from './in-process.ts';
