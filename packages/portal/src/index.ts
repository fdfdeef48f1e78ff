// @cloudsiem/portal — wired into the workspace; filled by a later issue (see docs/ARCHITECTURE.md).
export {};
