// What the KPPS field app sends and what it gets back: a submission's parts and its receipt,
// device enrolment, and the signal observations of the blank-spot map (with their public reading).
// The server validates requests with these schemas, the field app builds and parses with them,
// and the OpenAPI document is generated from them.
import * as z from 'zod';
import { BallotSchema, ContestSchema } from '../core/ballots.ts';
import { CHasilSchema } from '../core/chasil.ts';
import {
  DeviceIdSchema,
  Sha256HexSchema,
  SignedAtSchema,
  SignedSummarySchema,
} from '../core/receipt.ts';
import { named } from './registry.ts';
import { FlagSchema, SubmissionStatusSchema } from './results.ts';

named('CHasil', CHasilSchema, 'The numbers of form C.Hasil, sections I to V (src/core/chasil.ts).');
named('Contest', ContestSchema, 'A contest of the election and its choices.');
named(
  'SignedSummary',
  SignedSummarySchema,
  'What a device signs (Ed25519 over the UTF-8 of its canonical JSON: sorted keys, no white space). The witness receipt (QR code) carries it: `RKP1.` + base64url of a positional encoding (src/core/receipt.ts).',
);

/** Photos (pages) one submission may carry. */
export const MAX_PHOTOS_PER_SUBMISSION = 10;

/** The `signature` part: the enrolled device's Ed25519 signature of the summary (receipt.ts). */
export const SignaturePartSchema = named(
  'SignaturePart',
  z.strictObject({
    deviceId: DeviceIdSchema,
    signedAt: SignedAtSchema,
    signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'must be base64url of 64 bytes'),
  }),
  "The enrolled device's Ed25519 signature of the SignedSummary the server rebuilds from this TPS, ballot, result, the photo hashes in page order, signedAt and deviceId.",
);
export type SignaturePart = z.infer<typeof SignaturePartSchema>;

/** The `photos` part: sha256 of photos uploaded before (tus) by this TPS, in page order. */
export const PhotoRefsSchema = named(
  'PhotoRefs',
  z.array(Sha256HexSchema).min(1).max(MAX_PHOTOS_PER_SUBMISSION),
  'The sha256 (hex) of photos this TPS uploaded with tus, in page order.',
);

export const SubmissionReceiptSchema = named(
  'SubmissionReceipt',
  z.object({
    id: z.string(),
    tps: z.string(),
    ballot: BallotSchema,
    version: z.int().min(1),
    hash: z.string(),
    chainHash: z.string(),
    status: SubmissionStatusSchema,
    counted: z.boolean().describe('Whether this version now counts in the totals'),
    duplicate: z.boolean().describe('Identical to an earlier submission; nothing new stored'),
    flags: z.array(FlagSchema),
    receivedAt: z.iso.datetime(),
  }),
  'What the server recorded for a submission.',
);
export type SubmissionReceipt = z.infer<typeof SubmissionReceiptSchema>;

/** The longest device label. */
export const MAX_LABEL_LENGTH = 200;

/** C0 and C1 control characters, DEL among them (U+0000, which PostgreSQL cannot store, too). */
// eslint-disable-next-line no-control-regex -- control characters are what this looks for
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export const EnrolDeviceSchema = named(
  'EnrolDevice',
  z.strictObject({
    /** The TPS code, dotted or packed. */
    tps: z.string().max(32),
    /** base64url (no padding) of the raw 32-byte Ed25519 public key. */
    publicKey: z.string().max(64),
    /** Free text to tell devices apart (e.g. the phone's model): one line, no control characters. */
    label: z
      .string()
      .max(MAX_LABEL_LENGTH)
      .refine(
        (s) => !CONTROL.test(s),
        'must not hold control characters (U+0000-U+001F, U+007F-U+009F)',
      )
      .optional(),
  }),
  'Enrol a device: the public half of its Ed25519 key for a TPS.',
);
export type EnrolDevice = z.infer<typeof EnrolDeviceSchema>;

export const DeviceSchema = named(
  'Device',
  z.object({
    deviceId: z.uuid(),
    tps: z.string(),
    enrolledAt: z.iso.datetime(),
    /**
     * The registered DPT of the TPS (null when the election holds none): the phone checks the
     * form's DPT against it, the same rule (`dpt-matches-register`) the server checks.
     */
    registeredDpt: z.number().int().min(0).nullable(),
  }),
  'An enrolled device, and what the phone needs to check its forms as the server does.',
);
export type Device = z.infer<typeof DeviceSchema>;

/** Observations one POST may carry. */
export const MAX_OBSERVATIONS = 1000;

/**
 * What an observation may say beyond its shape. Indonesia's land lies between 6°04'30"N (Pulau
 * Rondo, Aceh) and 11°00'36"S (Pulau Ndana, Rote Ndao), 94°58'21"E (Pulau Benggala, Aceh) and
 * 141°01'10"E (the border with Papua New Guinea, Merauke); the box adds about half a degree
 * (~55 km) for a phone's fix at the edge. It is a sanity check, not a border: it also holds
 * parts of Malaysia, Singapore, Brunei, Timor-Leste, Papua New Guinea and the southern
 * Philippines. Times start with the election year (2024-01-01 00:00 WIT, UTC+9, the first of
 * Indonesia's three zones to reach it) and may run ahead of the server's clock by a phone's drift.
 */
export const OBSERVATION_BOUNDS = {
  lat: { min: -11.5, max: 6.5 },
  lng: { min: 94.5, max: 141.5 },
  notBefore: '2024-01-01T00:00:00+09:00',
  maxAheadMs: 10 * 60_000,
} as const;

const within = (axis: 'lat' | 'lng', name: string) => {
  const { min, max } = OBSERVATION_BOUNDS[axis];
  return z
    .number()
    .min(min, `${name} outside Indonesia (${min} to ${max})`)
    .max(max, `${name} outside Indonesia (${min} to ${max})`);
};

export const ConnectionSchema = z.enum(['none', '2g', '3g', '4g', '5g', 'wifi', 'unknown']);
export type Connection = z.infer<typeof ConnectionSchema>;

/**
 * The largest values an observation may carry: beyond them a phone's reading is broken, not slow.
 * Ten minutes of round trip (the field app gives up long before), 10 Gbit/s of upload, a position
 * known to 100 km (coarser says nothing about a TPS), 1 GiB moved by one attempt, and signal
 * strength as radios report it (-150 to -20 dBm).
 */
export const OBSERVATION_LIMITS = {
  rttMs: 600_000,
  uploadKbps: 10_000_000,
  accuracyM: 100_000,
  bytes: 1024 ** 3,
  signalDbm: { min: -150, max: -20 },
} as const;

const atMost = (max: number) => z.number().min(0).max(max);

export const ObservationSourceSchema = z
  .enum(['send', 'survey'])
  .describe(
    'send: an attempt of the field app to send something, wherever the phone was; survey: a measurement made on purpose at the TPS location (survey mode).',
  );

const observationShape = {
  tps: z.string(),
  at: z.iso.datetime({ offset: true }),
  lat: within('lat', 'latitude').optional(),
  lng: within('lng', 'longitude').optional(),
  accuracyM: atMost(OBSERVATION_LIMITS.accuracyM).optional(),
  connection: ConnectionSchema,
  rttMs: atMost(OBSERVATION_LIMITS.rttMs).nullable(),
  uploadKbps: atMost(OBSERVATION_LIMITS.uploadKbps).nullable(),
  /** Bytes moved by the attempt. */
  bytes: z.int().min(0).max(OBSERVATION_LIMITS.bytes).optional(),
  ok: z.boolean(),
  /** Absent: `send` (what the field app sent before survey mode existed). */
  source: ObservationSourceSchema.optional(),
  signalDbm: z
    .number()
    .min(OBSERVATION_LIMITS.signalDbm.min)
    .max(OBSERVATION_LIMITS.signalDbm.max)
    .optional(),
};

export const SignalObservationSchema = named(
  'SignalObservation',
  z.strictObject(observationShape),
  'One attempt of the field app to reach the server: when, where, over what, and whether it got through.',
);
export type SignalObservationInput = z.infer<typeof SignalObservationSchema>;
export const SignalObservationsSchema = named(
  'SignalObservations',
  z.array(SignalObservationSchema).max(MAX_OBSERVATIONS),
  `At most ${MAX_OBSERVATIONS} observations.`,
);

export const ObservationsStoredSchema = named(
  'ObservationsStored',
  z.object({ stored: z.int().min(0) }),
  'How many observations were stored.',
);

export const PublicObservationsSchema = named(
  'PublicObservations',
  z.object({
    region: z.string(),
    observations: z.array(
      z.object({ ...observationShape, at: z.string(), receivedAt: z.string() }),
    ),
    truncated: z.boolean().describe('Whether the answer was cut (overall, or for some TPS)'),
  }),
  'Observations below a region, oldest first, with the time the server received each. Positions are rounded to 0.01 degree (about 1.1 km) and accuracyM is at least 1100, so no officer is located to the metre in public.',
);
export type PublicObservations = z.infer<typeof PublicObservationsSchema>;

/**
 * The largest body of the survey's timed upload (`POST /api/v1/signal/probe`): enough to time an
 * upload on weak signal, too little to be worth abusing.
 */
export const PROBE_MAX_BYTES = 64 * 1024;

export const SignalProbeSchema = named(
  'SignalProbe',
  z.object({
    received: z.int().min(0).describe('Bytes of the body the server received.'),
    at: z.iso.datetime().describe("The server's time when the body had arrived."),
  }),
  "The server's answer to the survey's timed upload: the bytes it received (nothing is stored), so the field app can compute the upload speed against the real server.",
);
export type SignalProbe = z.infer<typeof SignalProbeSchema>;
