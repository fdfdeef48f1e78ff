// Imported first by main.tsx, before @cloudsiem/protocol builds its schemas: zod parses without
// compiling code at run time, so the page needs no 'unsafe-eval' and its strict CSP reports nothing.
import { config } from 'zod';

config({ jitless: true });
