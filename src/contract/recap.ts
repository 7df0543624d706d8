// Sign-off of a level's recap over HTTP (issue 12, docs/recap.md): closing and reopening (operator
// routes), the signed D.Hasil (public, JSON and PDF), the server's public key that checks it, and
// the head of the event chain. The server validates requests with these schemas and the OpenAPI
// document is generated from them.
import * as z from 'zod';
import { BallotSchema } from '../core/ballots.ts';
import { RecapStateSchema, SignedDHasilSchema } from '../core/dhasil.ts';
import { named } from './registry.ts';

export const RecapStateRefSchema = named(
  'RecapState',
  RecapStateSchema,
  "NIST 1500-100's result status of a level: unofficial-partial (never closed), certified (closed, with a signed D.Hasil), correction (reopened after a close, until closed again).",
);

export const SignedDHasilRefSchema = named(
  'SignedDHasil',
  SignedDHasilSchema,
  "A level's D.Hasil (src/core/dhasil.ts) and the base64url Ed25519 signature of its canonical JSON by the server's key (GET /api/v1/keys/server). Check it with `rekap verify-dhasil FILE`.",
);

export const RecapClosedSchema = named(
  'RecapClosed',
  z.object({
    region: z.string(),
    ballot: BallotSchema,
    state: RecapStateRefSchema,
    seq: z.int().describe('The `recap_closed` event'),
    sha256: z.string().describe('sha256 of the canonical JSON of the D.Hasil'),
    chainHead: z.object({ seq: z.int(), hash: z.string().nullable() }),
    json: z.string().describe('Where the signed D.Hasil is published'),
    pdf: z.string().describe('Where its PDF is published'),
  }),
  'A level closed: its signed D.Hasil and where it is published.',
);
export type RecapClosed = z.infer<typeof RecapClosedSchema>;

export const ReopenRecapSchema = named(
  'ReopenRecap',
  z.strictObject({ reason: z.string().trim().min(3).max(2000) }),
  'Why a closed level is reopened; on the record (a `recap_reopened` event).',
);

export const RecapReopenedSchema = named(
  'RecapReopened',
  z.object({
    region: z.string(),
    ballot: BallotSchema,
    state: RecapStateRefSchema,
    seq: z.int().describe('The `recap_reopened` event'),
  }),
  'A level reopened: its totals are published as `correction` until it is closed again.',
);
export type RecapReopened = z.infer<typeof RecapReopenedSchema>;

export const ServerKeySchema = named(
  'ServerKey',
  z.object({
    algorithm: z.literal('Ed25519'),
    keyId: z.string().describe('The first 16 hex digits of the sha256 of the raw public key'),
    publicKey: z.string().describe('base64url of the raw 32-byte Ed25519 public key'),
  }),
  "The server's public key, which every D.Hasil's signature is checked against.",
);
export type ServerKeyBody = z.infer<typeof ServerKeySchema>;

export const ChainHeadSchema = named(
  'ChainHead',
  z.object({
    seq: z.int().min(0).describe('The last event; 0 before the first'),
    hash: z.string().nullable(),
    at: z.string().nullable(),
  }),
  'The head of the event chain now: a D.Hasil names the head it was signed at, and a head once published cannot be rewritten without every later hash changing.',
);
export type ChainHeadBody = z.infer<typeof ChainHeadSchema>;
