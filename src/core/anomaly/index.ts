// The anomaly engine: per-record checks (`auditRecord`), misread proposals, and checks over a set
// of records (`SetAudit`: neighbour outliers and duplicates). Pure: no I/O.
export * from './types.ts';
export { auditRecord, checksFor, type RecordAudit } from './record.ts';
export { proposeMisread, relation } from './misread.ts';
export { SetAudit, hash52, metricsOf, type SetOptions } from './set.ts';
export { fromSirekap, parseSirekapLine, SIREKAP_FIELDS, type SirekapParse } from './sirekap.ts';
export { fromCHasil, readingOfReread } from './chasil.ts';
export { confirmedFields } from './record.ts';
