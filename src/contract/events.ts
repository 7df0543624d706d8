// The event catalogue: every kind of event on Rekap's one hash chain (src/store/events.ts), what
// it means and what its `details` hold, as a zod schema. docs/events.md is generated from this
// list (`npm run docs:events`), and a test checks that the two agree and that every stored event
// parses with its type's schema.
//
// Who acted (`actor`) is one of: `cli` (an operator's command on the server), `server` (Rekap
// itself: the re-read, a sign-off's signature), `kpps:` and 16 hex digits (the uploader id of a
// KPPS token, never the token), or `account:` and an account id (an operator logged in).
import * as z from 'zod';

const Ballot = z.string().min(1);
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);
/** A field of form C.Hasil by its path (`votes.1`, `valid`, `dpt.l`, ...). */
const FieldPath = z.string().min(1);
/** The uploader id of a KPPS token: `kpps:` and 16 hex digits. */
const TokenId = z.string().regex(/^kpps:[0-9a-f]{16}$/);
const Role = z.enum(['pps', 'ppk', 'kpu_kab', 'kpu_prov', 'kpu_ri', 'bawaslu', 'saksi', 'admin']);
const Added = z.strictObject({ added: z.number().int(), changed: z.number().int() });
const FieldChange = z.strictObject({
  field: FieldPath,
  from: z.number().int().nullable(),
  to: z.number().int().nullable(),
});

type EventSpec = { meaning: string; details: z.ZodType<Record<string, unknown>> };

/** A TPS result version an event is about: the ballot and the version number. */
const OnVersion = { ballot: Ballot, version: z.number().int().min(1) };

export const EVENT_TYPES = {
  token_issued: {
    meaning: 'A KPPS token was issued for the TPS (`rekap kpps-token`).',
    details: z.object({ token: TokenId }),
  },
  token_revoked: {
    meaning:
      'A KPPS token stopped working. reason: `replaced` (a new token was issued for the TPS), ' +
      '`operator` (`rekap kpps-token --revoke`) or `device_revoked` (a device it enrolled was ' +
      'revoked; with deviceId).',
    details: z.object({
      token: TokenId,
      reason: z.enum(['replaced', 'operator', 'device_revoked']),
      deviceId: z.string().optional(),
    }),
  },
  device_enrolled: {
    meaning: 'A phone registered its public key with a KPPS token.',
    details: z.object({ deviceId: z.string(), token: TokenId, label: z.string().nullable() }),
  },
  device_refused: {
    meaning:
      'An enrolment with a valid token was refused. reason: `device_limit` (the token enrolled ' +
      'its most devices; with limit), `revoked_key` (the key belongs to a revoked device; with ' +
      'deviceId) or `other_tps` (the key is enrolled for another TPS; with deviceId).',
    details: z.object({
      token: TokenId,
      reason: z.enum(['device_limit', 'revoked_key', 'other_tps']),
      limit: z.number().int().optional(),
      deviceId: z.string().optional(),
    }),
  },
  device_revoked: {
    meaning:
      'A device was revoked (`rekap revoke-device`): what it signs from then on is refused. ' +
      'token: the token it enrolled with, revoked with it.',
    details: z.object({ deviceId: z.string(), token: TokenId }),
  },
  election_imported: {
    meaning:
      'An election was loaded or extended (`rekap election import`, or the demo). files: the ' +
      'sha256 of each file read.',
    details: z.object({
      name: z.string(),
      regions: Added,
      tps: Added,
      contests: Added,
      files: z.record(z.string(), Sha256),
    }),
  },
  submission_received: {
    meaning:
      'A new version of a TPS result was stored (a KPPS submission). status: `clean` or ' +
      '`flagged` by the rules (flags: the rule codes it breaks). chainHash: the version chain ' +
      "of the TPS after it (the submission row's own chain).",
    details: z.object({
      ...OnVersion,
      id: z.string(),
      contentHash: Sha256,
      chainHash: Sha256,
      status: z.enum(['clean', 'flagged']),
      flags: z.array(z.string()),
    }),
  },
  reread_agrees: {
    meaning:
      "The server read the version's photos again with the reader and found the submitted " +
      'numbers.',
    details: z.object({ ...OnVersion, photos: z.array(Sha256) }),
  },
  reread_disagrees: {
    meaning:
      "The server's re-read of the version's photos found other numbers than were submitted " +
      '(fields: each field read with confidence, with the submitted and the read value; a field ' +
      'the reader was unsure of is left to the rules and the reviewer). The TPS goes to review ' +
      'and the version does not count until a person confirms or corrects it.',
    details: z.object({ ...OnVersion, photos: z.array(Sha256), fields: z.array(FieldChange) }),
  },
  reread_failed: {
    meaning:
      "The server could not re-read the photos (reason: the reader's code, e.g. `no-page`). " +
      'Recorded, and shown to the reviewer; the version is not held for it.',
    details: z.object({ ...OnVersion, reason: z.string() }),
  },
  result_confirmed: {
    meaning:
      'An operator confirmed the version as written, with a reason: its flags and the ' +
      "re-read's disagreement are resolved and it counts.",
    details: z.object({ ...OnVersion, reason: z.string().min(1) }),
  },
  result_corrected: {
    meaning:
      'An operator corrected a version with new values, the reason and the plenary reference ' +
      "(the minutes' number): a new version of kind `correction` (version) over the one " +
      'corrected (corrects). The photos stay those of the corrected version.',
    details: z.object({
      ...OnVersion,
      corrects: z.number().int().min(1),
      id: z.string(),
      contentHash: Sha256,
      chainHash: Sha256,
      changes: z.array(FieldChange),
      reason: z.string().min(1),
      reference: z.string().min(1),
    }),
  },
  photo_requested: {
    meaning:
      'An operator asked the KPPS for a new photo of the form (reason; pages when known). The ' +
      'field app shows the request until a new version arrives.',
    details: z.object({
      ...OnVersion,
      reason: z.string().min(1),
      pages: z.array(z.number().int()).optional(),
    }),
  },
  objection_filed: {
    meaning:
      'Bawaslu or a witness objected to a TPS result (text; fields when named). The TPS goes to ' +
      'review; the version keeps counting until a person acts on it.',
    details: z.object({
      ...OnVersion,
      text: z.string().min(1),
      fields: z.array(FieldPath).optional(),
    }),
  },
  objection_answered: {
    meaning: 'An operator answered an objection (objection: its event seq) with a reason.',
    details: z.object({ ...OnVersion, objection: z.number().int(), reason: z.string().min(1) }),
  },
  recap_closed: {
    meaning:
      "A level's recap was closed (signed off): the D.Hasil's sha256, the totals' hash and the " +
      'chain head it was signed at. A closed recap refuses changes below it until reopened.',
    details: z.object({
      region: z.string(),
      ballot: Ballot,
      dhasil: Sha256,
      totals: Sha256,
      chainHead: z.strictObject({ seq: z.number().int(), hash: Sha256 }),
    }),
  },
  recap_reopened: {
    meaning: 'A closed recap was reopened, with the reason, so that a result below it can change.',
    details: z.object({ region: z.string(), ballot: Ballot, reason: z.string().min(1) }),
  },
  account_created: {
    meaning: 'An operator account was created (`rekap operator add` or an administrator).',
    details: z.object({
      account: z.string(),
      name: z.string(),
      role: Role,
      region: z.string(),
      choice: z.string().optional(),
    }),
  },
  account_disabled: {
    meaning: 'An operator account stopped working; its sessions end.',
    details: z.object({ account: z.string(), reason: z.string().min(1) }),
  },
  password_reset: {
    meaning: "An account's password was replaced with a new one-time password; its sessions end.",
    details: z.object({ account: z.string() }),
  },
  password_changed: {
    meaning: 'An operator set a new password (after a one-time one, or by choice).',
    details: z.object({ account: z.string() }),
  },
  login_succeeded: {
    meaning: 'An operator logged in; session: the first 16 hex digits of its hashed id.',
    details: z.object({ account: z.string(), session: z.string() }),
  },
  login_failed: {
    meaning:
      'A login was refused: reason `unknown_account`, `wrong_password`, `disabled` or ' +
      '`throttled`.',
    details: z.object({
      name: z.string(),
      reason: z.enum(['unknown_account', 'wrong_password', 'disabled', 'throttled']),
    }),
  },
  logged_out: {
    meaning: 'An operator logged out.',
    details: z.object({ account: z.string(), session: z.string() }),
  },
} as const satisfies Record<string, EventSpec>;

export type EventType = keyof typeof EVENT_TYPES;

export const EventTypeSchema = z.enum(Object.keys(EVENT_TYPES) as [EventType, ...EventType[]]);

/** The details of an event of type T. */
export type EventDetails<T extends EventType> = z.infer<(typeof EVENT_TYPES)[T]['details']>;

/** The catalogue as a Markdown table (docs/events.md). */
export function eventCatalogueMarkdown(): string {
  const rows = Object.entries(EVENT_TYPES).map(([type, spec]) => {
    const shape = (spec.details as z.ZodObject).shape as Record<string, z.ZodType>;
    const fields = Object.keys(shape)
      .map((k) => (shape[k]!.safeParse(undefined).success ? `${k}?` : k))
      .join(', ');
    return `| \`${type}\` | ${spec.meaning.replace(/\|/g, '\\|')} | ${fields} |`;
  });
  return [
    '# Events',
    '',
    'Every event on the one hash chain (`src/store/events.ts`): each commits to the one before it,',
    'and `rekap audit verify` recomputes them. Generated from `src/contract/events.ts` by',
    '`npm run docs:events`; a test checks that it is current.',
    '',
    'actor: `cli` (a command on the server), `server` (Rekap itself), `kpps:...` (a KPPS token, by',
    'its uploader id) or `account:...` (a logged-in operator).',
    '',
    '| type | meaning | details |',
    '| ---- | ------- | ------- |',
    ...rows,
    '',
  ].join('\n');
}
