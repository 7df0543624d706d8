// The rig that the request builders of the hostile target share (target.ts makes it), and small
// helpers of the wire: sha256, parsing an answer's JSON, describing an answer, tus metadata.
import { createHash } from 'node:crypto';
import type { TpsCode } from '../../../src/core/codes.ts';
import { generateDeviceKey } from '../../../src/core/receipt.ts';
import type { TestServer } from '../../support/server.ts';
import type { RawAnswer, RawRequest } from '../http.ts';

/** A TPS of the hostile election with its current token and the devices enrolled in a case. */
export type Kpps = { code: TpsCode; token: string; devices: string[] };

/** A device key enrolled over HTTP, as a phone does. */
export type EnrolledKey = Awaited<ReturnType<typeof generateDeviceKey>> & { deviceId: string };

/** What the request builders share: the running server and the set-up steps over HTTP. */
export type Rig = {
  server: TestServer;
  send: (req: RawRequest) => Promise<RawAnswer>;
  json: (
    method: string,
    target: string,
    token: string | null,
    body?: unknown,
  ) => Promise<{ answer: RawAnswer; body: unknown }>;
  /** Enrols a new key for a TPS. */
  enrolKey: (k: Kpps) => Promise<EnrolledKey>;
  /** Uploads a whole photo through tus (create, then one PATCH); answers its sha256 and path. */
  upload: (k: Kpps, bytes: Buffer) => Promise<{ sha256: string; path: string }>;
  /** Creates a tus upload; answers its path. */
  createUpload: (k: Kpps, length: number, meta: Record<string, string>) => Promise<string>;
  /** The reads family's TPS and the sha256 of its photo. */
  readTps: Kpps;
  readPhoto: string;
};

export const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

/** A step before the case itself failed (enrolment, an upload): the case says nothing. */
export class SetupError extends Error {}

export function parseJson(b: Buffer): unknown {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    return undefined;
  }
}

export function describeAnswer(a: RawAnswer): string {
  return a.kind === 'answer' ? `${a.status} ${a.body.toString('utf8').slice(0, 200)}` : a.kind;
}

/** tus Upload-Metadata: `key base64(value)` pairs; a key alone when its value is empty. */
export const tusMetadata = (m: [string, string][]) =>
  m.map(([k, v]) => (v === '' ? k : `${k} ${Buffer.from(v).toString('base64')}`)).join(',');
