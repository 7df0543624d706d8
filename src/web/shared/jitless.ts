// Imported first by every page script that parses with zod (the portal, the field app and its
// reader worker). Zod compiles object parsers with `new Function` where it may, and probes whether
// it may by trying: under the server's Content-Security-Policy (no 'unsafe-eval',
// src/server/security.ts) the probe is refused and reported as a violation. Jitless, zod parses
// without generating code and never probes.
import { config } from 'zod';

config({ jitless: true });
