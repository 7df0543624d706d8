// The KPPS field app's entry (/kpps/app.js). Its one job is order: zod must be made jitless
// (shared/jitless.ts) before any schema is built, or it probes for eval under the CSP. In one
// bundle the import order guaranteed that; split into chunks (bundle.ts), every chunk app.js
// imports statically runs before app.js's own code, so the app itself (start.ts, its schemas
// among them) is imported only after. index.html preloads start.js and its chunks beside app.js,
// so this costs no extra round trip.
import '../shared/jitless.ts';

void import('./start.ts');
