// Vite's client types: CSS imports and import.meta.env in the web UI's sources.
/// <reference types="vite/client" />
