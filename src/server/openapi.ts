// The OpenAPI 3.1 document served at GET /api/openapi.json, generated: every request and response
// body is a schema of src/contract (z.toJSONSchema of its registry, one component each), every
// failure is the contract's error body with the codes of the catalogue (src/contract/errors.ts)
// that the route answers. What is written here by hand is the prose: summaries, and the limits
// of this server that the words quote. test/contract.test.ts checks real answers of every route
// against this document.
import * as z from 'zod';
import { BALLOTS } from '../core/ballots.ts';
import {
  DeviceSchema,
  EnrolDeviceSchema,
  ObservationsStoredSchema,
  PhotoRefsSchema,
  PROBE_MAX_BYTES,
  PublicObservationsSchema,
  SignalObservationsSchema,
  SignalProbeSchema,
  SignaturePartSchema,
  SubmissionReceiptSchema,
} from '../contract/kpps.ts';
import { ERRORS, ErrorBodySchema, statusesOf, type ErrorCode } from '../contract/errors.ts';
import { contractDescriptions, contractSchemas, named } from '../contract/registry.ts';
import {
  MetaSchema,
  RegionAnomaliesSchema,
  RegionResultSchema,
  TpsResultSchema,
} from '../contract/results.ts';
import { GeoIndexSchema, RegionGeoSchema } from '../contract/geo.ts';
import {
  ConnectivityLateSchema,
  ConnectivityMapSchema,
  ConnectivityPlanSchema,
} from '../contract/connectivity.ts';
import { CdfReportSchema } from '../contract/export.ts';
import { SirekapRegionSchema, SirekapTpsSchema } from '../contract/sirekap.ts';
import { GEO_CACHE } from './geo.ts';
import { CHasilSchema } from '../core/chasil.ts';
import {
  LoggedOutSchema,
  LoginSchema,
  OperatorSessionSchema,
  PasswordChangeSchema,
} from '../contract/operator.ts';
import { CSRF_COOKIE, CSRF_HEADER, LOGIN_THROTTLE, SESSION_COOKIE } from './session.ts';
import {
  ChainHeadSchema,
  RecapClosedSchema,
  RecapReopenedSchema,
  ReopenRecapSchema,
  ServerKeySchema,
  SignedDHasilRefSchema,
} from '../contract/recap.ts';
import {
  ConfirmSchema,
  CorrectSchema,
  ObjectionAnswerSchema,
  ObjectionSchema,
  OperatorTpsSchema,
  PhotoRequestSchema,
  ReviewDoneSchema,
  ReviewQueueSchema,
} from '../contract/review.ts';
import { ANOMALY_REGION_LIMIT } from './anomalies.ts';
import {
  ProgressByHourSchema,
  RegionFlaggedSchema,
  RegionIssuesSchema,
  SearchResultSchema,
} from '../contract/portal.ts';
import { ATTENTION_LIMIT, SEARCH_LIMIT, SEARCH_MAX_LENGTH } from '../store/portal-queries.ts';
import { DEFAULT_LIMITS } from './limits.ts';
import { PHOTO_LIMITS } from './photos.ts';
import { QUOTAS, formatBytes } from './quotas.ts';
import { OBSERVATIONS_PAGE } from './signal.ts';
import { PROBE_PATH } from './signal-probe.ts';
import { JSON_PART_BYTES } from './submit.ts';
import { UPLOADS_PATH } from './uploads.ts';

/** The catalogue as a table, in the Error schema's description: code, status, words in both languages. */
const catalogueTable = () =>
  [
    '| code | status | Bahasa Indonesia | English |',
    '| --- | --- | --- | --- |',
    ...(Object.keys(ERRORS) as ErrorCode[]).map(
      (code) =>
        `| \`${code}\` | ${statusesOf(code).join(', ')} | ${ERRORS[code].id} | ${ERRORS[code].en} |`,
    ),
  ].join('\n');

named(
  'Error',
  ErrorBodySchema,
  `The body of every refusal of the API. \`error\` is a code of the catalogue (src/contract/errors.ts; docs/errors.md says when each is answered), \`text\` its words below, \`message\` the specifics in English.\n\n${catalogueTable()}`,
);

const COMPONENTS = '#/components/schemas/';

/** A $ref to a schema of the contract; a schema that is not named there is a bug of this file. */
function ref(schema: z.ZodType): { $ref: string } {
  const meta = contractSchemas.get(schema);
  if (!meta) throw new Error('openapi: a schema used in the document is not named in src/contract');
  return { $ref: `${COMPONENTS}${meta.id}` };
}

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema: ref(schema) } } });
const answer = (description: string, schema: z.ZodType) => ({ description, ...json(schema) });

/**
 * The refusals of a route, by status: for each status the codes answered with it, each with the
 * catalogue's words and, where given, when this route answers it.
 */
function fails(codes: (ErrorCode | [ErrorCode, string])[]) {
  const byStatus = new Map<number, string[]>();
  for (const c of codes) {
    const [code, when] = typeof c === 'string' ? [c, undefined] : c;
    for (const status of statusesOf(code)) {
      const line = `\`${code}\`: ${ERRORS[code].en}${when ? ` (${when})` : ''}`;
      byStatus.set(status, [...(byStatus.get(status) ?? []), line]);
    }
  }
  return Object.fromEntries(
    [...byStatus].map(([status, lines]) => [
      status,
      { description: lines.join('; '), ...json(ErrorBodySchema) },
    ]),
  );
}

/** Refusals every route can answer (docs/errors.md: limits, rate limits, a full disk). */
const COMMON: ErrorCode[] = ['rate_limited', 'internal_error', 'unavailable'];
const KPPS: ErrorCode[] = ['no_token', 'bad_token'];

const ballotParam = {
  name: 'ballot',
  in: 'query',
  required: false,
  schema: { type: 'string', enum: [...BALLOTS], default: 'ppwp' },
  description: 'Jenis pemilihan (which ballot).',
};
const codeParam = (description: string) => ({
  name: 'code',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description,
});
const REGION_CODE = 'Region code: id, 16, 16.08, 16.08.01 or 16.08.01.1007';

/** The parameters of the blank-spot map's routes (connectivity.ts, connectivity-plan.ts): the
 *  region, the ballot and, where a logged-in operator may ask for them, exact positions. */
const connectivityParams = (exact: boolean) => [
  codeParam('Region code of a kabupaten, kecamatan or desa: 16.08, 16.08.01 or 16.08.01.1007'),
  ballotParam,
  ...(exact
    ? [
        {
          name: 'exact',
          in: 'query',
          required: false,
          schema: { type: 'string', enum: ['0', '1', 'false', 'true'], default: '0' },
          description:
            'Exact positions (1), for a logged-in operator of the region; 0 (default): rounded to 0.01 degree, as the public map.',
        },
      ]
    : []),
];
/** The refusals of the blank-spot map's routes; with `exact`, those of `exact=1` too. */
const connectivityRefusals = (exact: boolean): (ErrorCode | [ErrorCode, string])[] => [
  'bad_code',
  'unknown_ballot',
  ...(exact ? [['bad_request', '`exact` is not 0 or 1'] as [ErrorCode, string]] : []),
  ['region_too_large', 'the nation or a provinsi: choose a kabupaten or below'],
  ...(exact
    ? ([
        ['not_logged_in', '`exact=1` without a live operator session'],
        ['must_change_password', '`exact=1` by an account with its one-time password'],
        ['forbidden', "`exact=1` by an account that may not view the region's review queue"],
        ['outside_region', "`exact=1` for a region outside the account's"],
      ] as [ErrorCode, string][])
    : []),
  'unknown_region',
  ...COMMON,
];
const notModified = {
  description:
    'Nothing changed since the ETag sent in If-None-Match. Every answer carries an ETag that changes whenever any accepted submission changes the store.',
};
const kpps = [{ kpps: [] }];
const operator = [{ operatorSession: [] }];
/** The refusals of a state-changing operator request before its route runs (session.ts). */
const OPERATOR_WRITE: ErrorCode[] = ['not_logged_in', 'csrf_mismatch'];
const csrfHeader = {
  name: CSRF_HEADER,
  in: 'header',
  required: true,
  schema: { type: 'string' },
  description: `The session's CSRF token: the \`${CSRF_COOKIE}\` cookie's value (also \`csrf\` of the login's answer).`,
};

const recapCode = codeParam('Region code of a kecamatan, kabupaten, provinsi or id (the nation)');
const recapBallot = {
  name: 'ballot',
  in: 'path',
  required: true,
  schema: { type: 'string', enum: [...BALLOTS] },
  description: 'Jenis pemilihan (which ballot).',
};

const limits = DEFAULT_LIMITS;

/** The review queue's operations (operator-routes.ts). */
function operatorReviewPaths() {
  const READ: (ErrorCode | [ErrorCode, string])[] = [
    'not_logged_in',
    'must_change_password',
    'forbidden',
    ['outside_region', "the TPS or region lies outside the account's region"],
    'bad_code',
    'unknown_ballot',
    ...COMMON,
  ];
  const tpsParams = [
    codeParam('TPS code, e.g. 16.08.01.1007.001'),
    { name: 'ballot', in: 'path', required: true, schema: { type: 'string', enum: [...BALLOTS] } },
  ];
  const action = (
    summary: string,
    schema: z.ZodType,
    extra: (ErrorCode | [ErrorCode, string])[],
  ) => ({
    post: {
      summary,
      description:
        'Recorded as a new event; nothing is overwritten. `version` is the newest version the operator saw: a newer one answers 409 stale_version.',
      security: operator,
      parameters: [...tpsParams, csrfHeader],
      requestBody: { required: true, ...json(schema) },
      responses: {
        201: answer('Recorded: where the TPS stands now', ReviewDoneSchema),
        ...fails([
          ...OPERATOR_WRITE,
          ...READ,
          'malformed_request',
          'malformed_json',
          'unsupported_media_type',
          'unknown_tps',
          'stale_version',
          'recap_closed',
          ...extra,
        ]),
      },
    },
  });
  return {
    '/api/operator/queue': {
      get: {
        summary:
          'The TPS below a region that need a person, or wait for a new photo (the review queue)',
        security: operator,
        parameters: [
          {
            name: 'region',
            in: 'query',
            required: true,
            schema: { type: 'string' },
            description: REGION_CODE,
          },
          ballotParam,
          {
            name: 'state',
            in: 'query',
            required: false,
            schema: { type: 'string', enum: ['flagged', 'in_review', 'photo_requested'] },
          },
          {
            name: 'after',
            in: 'query',
            required: false,
            schema: { type: 'string' },
            description: 'The `next` of the page before',
          },
          {
            name: 'limit',
            in: 'query',
            required: false,
            schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
          },
        ],
        responses: {
          200: answer('One page of the queue', ReviewQueueSchema),
          ...fails([...READ, 'malformed_request', 'unknown_region']),
        },
      },
    },
    '/api/operator/tps/{code}/{ballot}': {
      get: {
        summary:
          'One TPS as its reviewer sees it: every version, the re-read, every review action, the findings',
        security: operator,
        parameters: tpsParams,
        responses: {
          200: answer('The TPS', OperatorTpsSchema),
          ...fails([...READ, 'unknown_tps']),
        },
      },
    },
    '/api/operator/tps/{code}/{ballot}/confirm': action(
      'Confirm the newest version as written (reason required)',
      ConfirmSchema,
      ['nothing_to_confirm'],
    ),
    '/api/operator/tps/{code}/{ballot}/correct': action(
      'Correct the newest version: the fields that change, the reason and the plenary reference',
      CorrectSchema,
      [['correction_breaks_rules', 'details.breaches: the rules the corrected numbers break']],
    ),
    '/api/operator/tps/{code}/{ballot}/photo-request': action(
      'Ask the KPPS for a new photo of the form',
      PhotoRequestSchema,
      [],
    ),
    '/api/operator/tps/{code}/{ballot}/objection': action(
      'Object to the result (Bawaslu, a witness)',
      ObjectionSchema,
      [],
    ),
    '/api/operator/tps/{code}/{ballot}/objection-answer': action(
      'Answer an open objection',
      ObjectionAnswerSchema,
      ['unknown_objection'],
    ),
    '/api/operator/photo/{sha256}/field/{path}.jpg': {
      get: {
        summary:
          "A zoom crop of one field's boxes in a photo of the TPS, upright (cut by the server from the reader's page geometry)",
        description:
          'When the reader finds no page in the photo (or the field is not on its page), a 302 to the whole photo (GET /api/v1/photos/{sha256}).',
        security: operator,
        parameters: [
          { name: 'sha256', in: 'path', required: true, schema: { type: 'string' } },
          {
            name: 'path',
            in: 'path',
            required: true,
            schema: { type: 'string' },
            description: 'The field, e.g. valid, votes.1, dpt.l',
          },
          {
            name: 'tps',
            in: 'query',
            required: true,
            schema: { type: 'string' },
            description: 'The TPS the photo belongs to',
          },
          ballotParam,
        ],
        responses: {
          200: { description: 'The crop', content: { 'image/jpeg': {} } },
          302: { description: 'No page found: the whole photo' },
          ...fails([...READ, ['unknown_photo', 'not a photo of this TPS']]),
        },
      },
    },
  };
}

function paths() {
  return {
    '/api/v1/meta': {
      get: {
        summary: 'The election and its contests',
        responses: { 200: answer('Election name, demo flag and contests', MetaSchema) },
      },
    },
    '/api/v1/results/{code}': {
      get: {
        summary: 'Recap of a region (id = the nation, then provinsi, kabupaten, kecamatan, desa)',
        parameters: [codeParam(REGION_CODE), ballotParam],
        responses: {
          200: answer('Totals, progress and children', RegionResultSchema),
          304: notModified,
          ...fails(['bad_code', 'unknown_ballot', 'unknown_region', ...COMMON]),
        },
      },
    },
    '/api/v1/tps/{code}': {
      get: {
        summary: 'One TPS: current result, photos, status, flags and every version',
        parameters: [codeParam('TPS code, 16.08.01.1007.001 or 1608011007001'), ballotParam],
        responses: {
          200: answer('The TPS with its history', TpsResultSchema),
          304: notModified,
          ...fails(['bad_code', 'unknown_ballot', 'unknown_tps', ...COMMON]),
        },
      },
    },
    '/api/v1/live': {
      get: {
        summary: 'Server-sent events: one when the results change (the portal re-reads by ETag)',
        description:
          'A `text/event-stream`. Events, each with an `id:` and JSON `data`: `hello` on connect `{mark, time, stale}` (`stale`: null, or since when the data is behind); `change` `{mark, time}` when the change mark moves (the ETag of every public result read is that mark in quotes), at most one a second; `stale` `{since, time}` when the server cannot tell whether other processes wrote (its poll of the database fails); `fresh` `{mark, time}` once it can again. `heartbeat` `{mark, time}` every 15 s: a client that hears nothing for two should say its data may be behind. At most half as many streams as the server keeps connections are open at once (250 by default, `rekap serve --max-connections`; never more than 10,000), so that open pages never take the connections submissions need; beyond that 503 `server_busy` with Retry-After (read by ETag every 15 s instead).',
        responses: {
          200: {
            description: 'The event stream (open until the client or the server closes it)',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          ...fails([
            ['server_busy', 'the most live streams this server keeps are open'],
            ...COMMON,
          ]),
        },
      },
    },
    '/api/v1/geo': {
      get: {
        summary: 'The regions the map can draw (those whose children have polygons)',
        responses: {
          200: answer('Region codes and the source of the polygons', GeoIndexSchema),
          304: { description: 'Unchanged since the ETag sent in If-None-Match.' },
          ...fails(COMMON),
        },
      },
    },
    '/api/v1/geo/{code}.geojson': {
      get: {
        summary:
          "The polygons of a region's children, as GeoJSON (provinsi: kabupaten, kabupaten: kecamatan, kecamatan: desa)",
        description: `Geometry only (code, name and an inside point per feature): colour it with the region's recap, GET /api/v1/results/{code}. Static: its ETag is of its bytes, not of the results, and it is sent with Cache-Control \`${GEO_CACHE}\`.`,
        parameters: [codeParam('Region code: 16, 16.08 or 16.08.01 (dotted or packed)')],
        responses: {
          200: {
            description: 'A FeatureCollection with a bbox',
            content: { 'application/geo+json': { schema: ref(RegionGeoSchema) } },
          },
          304: { description: 'Unchanged since the ETag sent in If-None-Match.' },
          ...fails([
            ['bad_code', 'not a region code followed by .geojson'],
            ['not_found', 'no polygons for the children of this region'],
            ...COMMON,
          ]),
        },
      },
    },
    '/api/v1/connectivity/{code}': {
      get: {
        summary:
          'The blank-spot map of a kabupaten, kecamatan or desa: each TPS with its connectivity class, last observation, sending point and upload status (GeoJSON)',
        description:
          'Recomputed on each request from the signal observations and the time (docs/design/blank-spot-map.md): a class per TPS (good, weak, none, unknown), the nearest point with good signal in the kabupaten for each TPS of class none or weak, and whether its result of the ballot arrived; per desa the counts and the share of blank-spot TPS. Public: positions rounded to 0.01 degree (about 1.1 km), distance and bearing measured between the rounded points, `Cache-Control: no-cache`. `?exact=1`: exact positions, for a logged-in operator whose region holds the code (an account that may view its review queue), `Cache-Control: private, no-store`. Regions above a kabupaten are refused.',
        security: [{}, ...operator],
        parameters: [...connectivityParams(true)],
        responses: {
          200: {
            description:
              'A FeatureCollection of the TPS (geometry null where no position is known)',
            content: { 'application/geo+json': { schema: ref(ConnectivityMapSchema) } },
          },
          ...fails(connectivityRefusals(true)),
        },
      },
    },
    '/api/v1/connectivity/{code}/plan.csv': {
      get: {
        summary:
          'The sending-point plan as CSV: each blank-spot or weak TPS and where to send its results from',
        description:
          "RFC 4180 with a header row, CRLF line ends, UTF-8; one row per TPS of the region of class none (blank spot) or weak, in TPS code order, from the same answer as GET /api/v1/connectivity/{code} (its values are the map's, positions rounded the same way unless `exact=1`). Columns: tps, name, desa_code, desa_name, kecamatan_code, kecamatan_name, class, score, tps_lat, tps_lng, send_lat, send_lng, distance_km, bearing_deg, direction, travel_minutes, measured_at, measured_by; the sending point's cells are empty where none lies within 30 km.",
        security: [{}, ...operator],
        parameters: [...connectivityParams(true)],
        responses: {
          200: {
            description: 'The CSV file',
            content: { 'text/csv': { schema: { type: 'string' } } },
          },
          ...fails(connectivityRefusals(true)),
        },
      },
    },
    '/api/v1/connectivity/{code}/plan.geojson': {
      get: {
        summary:
          'The sending-point plan as GeoJSON: a point per blank-spot or weak TPS and a line to its sending point',
        description:
          'The same rows as plan.csv as the properties of Point features (kind `tps`; geometry null where the TPS has no known position), and a LineString from each TPS to its sending point (kind `route`).',
        security: [{}, ...operator],
        parameters: [...connectivityParams(true)],
        responses: {
          200: {
            description: 'A FeatureCollection of the plan',
            content: { 'application/geo+json': { schema: ref(ConnectivityPlanSchema) } },
          },
          ...fails(connectivityRefusals(true)),
        },
      },
    },
    '/api/v1/connectivity/{code}/plan.pdf': {
      get: {
        summary:
          'The sending-point plan as a printable PDF (Rencana titik kirim), one section per kecamatan',
        description:
          'A4 landscape: a header with the region and the time it was made, each kecamatan on a new page with a table of its blank-spot and weak TPS (TPS, desa, class, sending point lat/lng, distance, direction in Indonesian compass words, expected travel, measured by and when), page numbers.',
        security: [{}, ...operator],
        parameters: [...connectivityParams(true)],
        responses: {
          200: { description: 'The PDF', content: { 'application/pdf': {} } },
          ...fails(connectivityRefusals(true)),
        },
      },
    },
    '/api/v1/connectivity/{code}/late': {
      get: {
        summary:
          'Election night: the TPS not yet sent by connectivity class and hours late, and the blank-spot TPS to chase',
        description:
          "The expected time is the median time at which the region's TPS that have sent sent their result (null until half have); a TPS not yet sent is late by now minus that time, counted by class and bucket (lt1, 1to2, 2to4, gt4). A blank-spot TPS (class none) is raised once later than twice its travel to its sending point plus 30 minutes, at once when it has none; sorted most overdue first, each with a reason in Bahasa Indonesia. Public, always from the public (rounded) positions; `Cache-Control: no-cache`.",
        parameters: [...connectivityParams(false)],
        responses: {
          200: {
            description: 'The late list',
            content: { 'application/json': { schema: ref(ConnectivityLateSchema) } },
          },
          ...fails(connectivityRefusals(false)),
        },
      },
    },
    '/api/v1/export/tps.csv': {
      get: {
        summary: 'Open data: every TPS with its counted result, one CSV line each (streamed)',
        description:
          'RFC 4180 with a header row, CRLF line ends, UTF-8. Columns (docs/open-data.md): code, packed, provinsi, kabupaten, kecamatan, desa, name, dpt_registered, status, review, counted_version, latest_version, every C.Hasil field by its dotted path (dpt.l ... votes.1 ... valid, invalid, total), flags (rule ids, space-separated), photos (sha256, space-separated), hash, chain_hash, uploader, received_at, device_id, public_key, signed_at, signature. Empty cells where a TPS has no counted version. ETag: the change mark.',
        parameters: [ballotParam],
        responses: {
          200: {
            description: 'The CSV file',
            content: { 'text/csv': { schema: { type: 'string' } } },
          },
          304: notModified,
          ...fails(['unknown_ballot', ...COMMON]),
        },
      },
    },
    '/api/v1/export/tps.jsonl': {
      get: {
        summary:
          'Open data: every TPS with its counted result, one JSON object per line (streamed)',
        description:
          'JSON Lines: the same rows as tps.csv, with the C.Hasil as `result` (null without a counted version) and the signature as an object (deviceId, publicKey, signedAt, signature).',
        parameters: [ballotParam],
        responses: {
          200: {
            description: 'The JSON Lines file',
            content: { 'application/jsonl': { schema: { type: 'string' } } },
          },
          304: notModified,
          ...fails(['unknown_ballot', ...COMMON]),
        },
      },
    },
    '/api/v1/export/regions.{format}': {
      get: {
        summary: 'Open data: the recap of every region of one level (csv or jsonl, streamed)',
        description:
          'Columns: code, packed, name, level, parent_code, tps_total, tps_reported, votes.KEY per choice, valid, invalid, total, recap (unofficial-partial, certified or correction).',
        parameters: [
          {
            name: 'format',
            in: 'path',
            required: true,
            schema: { type: 'string', enum: ['csv', 'jsonl'] },
          },
          {
            name: 'level',
            in: 'query',
            required: false,
            schema: {
              type: 'string',
              enum: ['provinsi', 'kabupaten', 'kecamatan', 'desa'],
              default: 'kecamatan',
            },
          },
          ballotParam,
        ],
        responses: {
          200: {
            description: 'The file',
            content: {
              'text/csv': { schema: { type: 'string' } },
              'application/jsonl': { schema: { type: 'string' } },
            },
          },
          304: notModified,
          ...fails(['unknown_ballot', ['bad_request', 'an unknown level'], ...COMMON]),
        },
      },
    },
    // Sirekap's public paths (sirekap-compat.ts, docs/sirekap-compat.md): packed codes, each
    // segment its parent's code and more; the nation, four region levels, then one TPS.
    ...Object.fromEntries(
      [
        ['/pemilu/hhcw/ppwp.json', 'the nation', []],
        ['/pemilu/hhcw/ppwp/{pr}.json', 'a provinsi', ['pr']],
        ['/pemilu/hhcw/ppwp/{pr}/{kab}.json', 'a kabupaten', ['pr', 'kab']],
        ['/pemilu/hhcw/ppwp/{pr}/{kab}/{kec}.json', 'a kecamatan', ['pr', 'kab', 'kec']],
        ['/pemilu/hhcw/ppwp/{pr}/{kab}/{kec}/{desa}.json', 'a desa', ['pr', 'kab', 'kec', 'desa']],
        [
          '/pemilu/hhcw/ppwp/{pr}/{kab}/{kec}/{desa}/{tps}.json',
          'one TPS',
          ['pr', 'kab', 'kec', 'desa', 'tps'],
        ],
      ]
        .map((entry) => entry as [string, string, string[]])
        .map(([path, what, names]) => {
          const tps = names.length === 5;
          return [
            path,
            {
              get: {
                summary: `Sirekap-compatible JSON of ${what} (the 2024 public site's paths and fields)`,
                parameters: names.map((name, i) => ({
                  name,
                  in: 'path',
                  required: true,
                  schema: { type: 'string', pattern: `^\\d{${[2, 4, 6, 10, 13][i]}}$` },
                  description: 'Packed KPU code',
                })),
                responses: {
                  200: tps
                    ? answer('The counted version, in Sirekap fields', SirekapTpsSchema)
                    : answer('Totals, a row per child, progress', SirekapRegionSchema),
                  304: notModified,
                  ...fails([
                    ...(names.length > 0 ? (['bad_code'] as const) : []),
                    tps ? 'unknown_tps' : 'unknown_region',
                    ...COMMON,
                  ]),
                },
              },
            },
          ];
        }),
    ),
    '/api/v1/export/cdf.json': {
      get: {
        summary: 'Open data: NIST SP 1500-100 Election Results Common Data Format (JSON, streamed)',
        description:
          'An `ElectionResults.ElectionReport` (CDF version 2): one CandidateContest per ballot, a CandidateSelection per choice with VoteCounts per reporting unit, BallotCounts (cast, rejected = invalid), and the GpUnit list from the nation (`country`) through provinsi (`state`), kabupaten (`county`), kecamatan and desa (`other`) down to each TPS (`polling-place`), each with its CountStatus. docs/open-data.md tells the mapping.',
        parameters: [
          {
            name: 'format',
            in: 'query',
            required: false,
            schema: {
              type: 'string',
              enum: ['precinct-level', 'summary-contest'],
              default: 'precinct-level',
            },
            description: 'summary-contest stops at the desa',
          },
          ballotParam,
        ],
        responses: {
          200: answer('The report', CdfReportSchema),
          304: notModified,
          ...fails(['unknown_ballot', ['bad_request', 'an unknown format'], ...COMMON]),
        },
      },
    },
    '/api/v1/anomalies/{code}': {
      get: {
        summary: `The anomaly engine over Rekap's current results below a region (at most ${ANOMALY_REGION_LIMIT} TPS)`,
        description:
          'Per TPS with any finding: rule breaches, impossible values, likely misreads with a proposal, outliers against its desa and kecamatan, duplicates. For review only; nothing here changes a number.',
        parameters: [codeParam(REGION_CODE), ballotParam],
        responses: {
          200: answer('Findings per TPS and a summary by kind', RegionAnomaliesSchema),
          ...fails([
            'bad_code',
            'unknown_ballot',
            ['region_too_large', `more than ${ANOMALY_REGION_LIMIT} TPS`],
            ['unknown_region', 'no TPS below it'],
            ...COMMON,
          ]),
        },
      },
    },
    '/api/v1/regions/{code}/flagged': {
      get: {
        summary:
          'The TPS below a region that wait for a person: flagged, photo requested, in review',
        description: `In code order, at most ${ATTENTION_LIMIT}; \`total\` counts them all.`,
        parameters: [codeParam(REGION_CODE), ballotParam],
        responses: {
          200: answer('The held and in-review TPS, with their desa', RegionFlaggedSchema),
          304: notModified,
          ...fails(['bad_code', 'unknown_ballot', 'unknown_region', ...COMMON]),
        },
      },
    },
    '/api/v1/regions/{code}/issues': {
      get: {
        summary: "A region's anomalies page: held and in-review TPS, corrections, late TPS",
        description: `Late: a TPS with no result while other TPS of its desa have one. Each list holds at most ${ATTENTION_LIMIT} entries; the totals count them all.`,
        parameters: [codeParam(REGION_CODE), ballotParam],
        responses: {
          200: answer('The three lists', RegionIssuesSchema),
          304: notModified,
          ...fails(['bad_code', 'unknown_ballot', 'unknown_region', ...COMMON]),
        },
      },
    },
    '/api/v1/progress/{code}': {
      get: {
        summary:
          "TPS below a region reported by hour (the hour of each TPS's first accepted submission)",
        parameters: [codeParam(REGION_CODE), ballotParam],
        responses: {
          200: answer('Per hour: TPS first reported, and the running total', ProgressByHourSchema),
          304: notModified,
          ...fails(['bad_code', 'unknown_ballot', 'unknown_region', ...COMMON]),
        },
      },
    },
    '/api/v1/search': {
      get: {
        summary: 'Search by TPS or region code (dotted or packed) or by region name',
        description: `A TPS or region code answers that place alone (\`exact\`). A name matches regions whose name starts with it, then those with a word starting with it, then those containing it, case and accents ignored; at most ${SEARCH_LIMIT}, higher levels first, each with its parents.`,
        parameters: [
          {
            name: 'q',
            in: 'query',
            required: true,
            schema: { type: 'string', minLength: 1, maxLength: SEARCH_MAX_LENGTH },
            description: 'A code (16.08.01.1007.003, 1608011007003) or a name (sukarami).',
          },
        ],
        responses: {
          200: answer('The places found', SearchResultSchema),
          304: notModified,
          ...fails([['bad_request', 'no q'], ...COMMON]),
        },
      },
    },
    '/api/v1/tps/{code}/submissions': {
      post: {
        summary: 'Submit the C.Hasil of a TPS (KPPS token of that TPS)',
        description:
          'Accepted results are never overwritten: a resubmission becomes a new version and the latest clean version counts. A result that breaks a rule of the form is kept with its photo, flagged, and not counted until reviewed. While a recap above the TPS is closed (signed off), a new version is refused (409 `recap_closed`) until that level is reopened. An identical resubmission (same hash) answers 200 with the existing submission.',
        security: kpps,
        parameters: [codeParam('TPS code'), ballotParam],
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: {
                type: 'object',
                required: ['result'],
                description:
                  'At least one photo: `photo` parts, or a `photos` part naming photos uploaded before through /api/v1/uploads/ by this TPS, or both (page order: the `photo` parts, then the `photos` hashes). A TPS that has an enrolled device must send a `signature` part (ppwp).',
                properties: {
                  result: ref(CHasilSchema),
                  photos: ref(PhotoRefsSchema),
                  signature: ref(SignaturePartSchema),
                  photo: {
                    type: 'array',
                    items: { type: 'string', format: 'binary' },
                    maxItems: PHOTO_LIMITS.maxPhotos,
                    description: `Photos of the form's pages: JPEG, PNG or WebP, at most ${PHOTO_LIMITS.maxBytes} bytes and ${PHOTO_LIMITS.maxPixels} pixels each.`,
                  },
                },
              },
              encoding: {
                result: { contentType: 'application/json' },
                photos: { contentType: 'application/json' },
                signature: { contentType: 'application/json' },
              },
            },
          },
        },
        responses: {
          201: answer('Accepted as a new version', SubmissionReceiptSchema),
          200: answer(
            'Identical to an earlier submission; nothing new stored',
            SubmissionReceiptSchema,
          ),
          ...fails([
            'bad_code',
            'unknown_ballot',
            'unknown_tps',
            ...KPPS,
            'wrong_tps',
            'unknown_device',
            'bad_signature',
            'signature_required',
            'unsupported_ballot',
            'not_multipart',
            'malformed_multipart',
            'missing_result',
            'missing_photo',
            'malformed_json',
            'malformed_photos',
            'malformed_signature',
            'duplicate_part',
            'unknown_part',
            'too_many_parts',
            'too_many_photos',
            'invalid_result',
            ['invalid_photo', 'every photo is decoded in full'],
            ['unknown_photo', 'a `photos` hash this TPS did not upload'],
            [
              'request_timeout',
              `headers within ${limits.headersTimeoutMs / 1000} s, the whole request within ${limits.requestTimeoutMs / 1000} s, and a body at least ${limits.minBodyBytesPerS} bytes/s after its first ${limits.bodyGraceMs / 1000} s`,
            ],
            [
              'payload_too_large',
              `a body over ${limits.submissionBytes} bytes, a photo over ${PHOTO_LIMITS.maxBytes} bytes, or a JSON part over ${JSON_PART_BYTES} bytes`,
            ],
            ['server_busy', 'try again after Retry-After seconds'],
            'storage_full',
            [
              'recap_closed',
              'a recap above the TPS is signed off: nothing new counts below it until its operator reopens it',
            ],
            ...COMMON,
          ]),
        },
      },
    },
    '/api/v1/kpps/devices': {
      post: {
        summary: 'Enrol a KPPS device: register the public half of its Ed25519 key',
        description:
          'Once per device and TPS. The same key again answers 200 with the same device. From then on every ppwp submission of the TPS must be signed by an enrolled device.',
        security: kpps,
        requestBody: { required: true, ...json(EnrolDeviceSchema) },
        responses: {
          201: answer('Enrolled', DeviceSchema),
          200: answer('This key was enrolled before', DeviceSchema),
          ...fails([
            'malformed_request',
            'malformed_json',
            'bad_code',
            'bad_key',
            ...KPPS,
            'wrong_tps',
            'device_revoked',
            'key_in_use',
            ['device_limit', 'default 2 per token'],
            'storage_full',
            ...COMMON,
          ]),
        },
      },
    },
    [`${UPLOADS_PATH}/`]: {
      post: {
        summary: 'Create a resumable photo upload (tus 1.0.0, creation extension)',
        description: `The tus protocol (https://tus.io/protocols/resumable-upload): POST with Upload-Length and Upload-Metadata, then PATCH (Content-Type application/offset+octet-stream) from the Upload-Offset that HEAD reports, as often as the connection needs. Metadata keys: \`tps\` (the token's TPS), \`sha256\` (hex, required), \`filename\`, \`filetype\`. At most ${PHOTO_LIMITS.maxBytes} bytes. Every request needs the KPPS token. When the last byte arrives the photo is checked and kept (the final PATCH answers 204 with Rekap-Photo-Sha256), and a submission of that TPS can name it in its \`photos\` part.`,
        security: kpps,
        parameters: [
          { name: 'Tus-Resumable', in: 'header', required: true, schema: { const: '1.0.0' } },
          { name: 'Upload-Length', in: 'header', required: true, schema: { type: 'integer' } },
          { name: 'Upload-Metadata', in: 'header', required: true, schema: { type: 'string' } },
        ],
        responses: {
          201: { description: 'Created; Location holds the upload URL' },
          ...fails([
            'tus_resumable_required',
            'bad_metadata',
            'bad_length',
            'length_required',
            'bad_code',
            ...KPPS,
            'wrong_tps',
            'payload_too_large',
            [
              'quota_exceeded',
              `${QUOTAS.parkedUploadBytes / 1024 / 1024} MB of unfinished uploads or ${QUOTAS.unreferencedPhotos} photos no submission names`,
            ],
            'storage_full',
            ...COMMON,
          ]),
        },
      },
    },
    [`${UPLOADS_PATH}/{id}`]: {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      head: {
        summary: 'Where an upload stands: Upload-Offset (resume from there) and Upload-Length',
        security: kpps,
        responses: {
          200: { description: 'Upload-Offset and Upload-Length headers' },
          ...fails([
            ...KPPS,
            'wrong_tps',
            ['unknown_upload', 'finished uploads are moved into the photo store'],
            'upload_expired',
            ...COMMON,
          ]),
        },
      },
      patch: {
        summary: 'Append bytes at Upload-Offset',
        security: kpps,
        requestBody: {
          required: true,
          content: {
            'application/offset+octet-stream': { schema: { type: 'string', format: 'binary' } },
          },
        },
        responses: {
          204: { description: 'Appended; Upload-Offset is the new offset' },
          ...fails([
            'tus_resumable_required',
            'bad_offset',
            'unsupported_media_type',
            ...KPPS,
            'wrong_tps',
            'unknown_upload',
            'upload_expired',
            'upload_busy',
            'offset_mismatch',
            'payload_too_large',
            ['invalid_photo', 'complete, but not a whole, decodable image; nothing kept'],
            ['checksum_mismatch', 'complete, but not the declared sha256; nothing kept'],
            'storage_full',
            ...COMMON,
          ]),
        },
      },
      delete: {
        summary: 'Abandon an unfinished upload (tus termination)',
        security: kpps,
        responses: {
          204: { description: 'Removed' },
          ...fails([...KPPS, 'wrong_tps', 'unknown_upload', 'upload_complete', ...COMMON]),
        },
      },
    },
    '/api/v1/signal/observations': {
      post: {
        summary: "Record the field app's attempts to reach the server (blank-spot map)",
        security: kpps,
        requestBody: { required: true, ...json(SignalObservationsSchema) },
        responses: {
          202: answer('Stored', ObservationsStoredSchema),
          ...fails([
            ['malformed_observations', 'the message names each'],
            'malformed_json',
            'bad_code',
            ...KPPS,
            ['wrong_tps', 'an observation names another TPS than the token'],
            [
              'quota_exceeded',
              `${QUOTAS.observationsPerHour} observations an hour per TPS, with Retry-After`,
            ],
            'storage_full',
            ...COMMON,
          ]),
        },
      },
      get: {
        summary: `The observations of the TPS below a region (the newest ${OBSERVATIONS_PAGE}, at most ${QUOTAS.publicObservationsPerTps} of each TPS), oldest first`,
        parameters: [
          {
            name: 'region',
            in: 'query',
            required: false,
            schema: { type: 'string', default: 'id' },
            description: REGION_CODE,
          },
        ],
        responses: {
          200: answer(
            'Observations, each with the time the server received it',
            PublicObservationsSchema,
          ),
          ...fails(['bad_code', ...COMMON]),
        },
      },
    },
    [PROBE_PATH]: {
      post: {
        summary: "The survey's timed upload: counts the bytes and keeps nothing (blank-spot map)",
        description: `The field app's survey mode POSTs ${formatBytes(32 * 1024)} here and times it, so that the upload speed of a survey observation is measured against this server. At most ${PROBE_MAX_BYTES} bytes; ${QUOTAS.probesPerHour} probes an hour per TPS, counted in memory. Answered with \`Cache-Control: no-store\`.`,
        security: kpps,
        requestBody: {
          required: true,
          content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
        },
        responses: {
          200: answer('The bytes received, and when', SignalProbeSchema),
          ...fails([
            ...KPPS,
            ['unsupported_media_type', 'a body other than application/octet-stream'],
            ['payload_too_large', `over ${PROBE_MAX_BYTES} bytes`],
            ['quota_exceeded', `${QUOTAS.probesPerHour} probes an hour per TPS, with Retry-After`],
            ...COMMON,
          ]),
        },
      },
    },
    '/api/operator/login': {
      post: {
        summary: 'Log an operator in (docs/operators.md)',
        description: `Sets the session cookie (\`${SESSION_COOKIE}\`: HttpOnly, Secure, SameSite=Strict) and the CSRF cookie (\`${CSRF_COOKIE}\`). Sessions end after 12 hours idle and 7 days in all. After ${LOGIN_THROTTLE.failures} failed logins for one name within ${LOGIN_THROTTLE.windowMs / 60_000} minutes the name is refused (429) until the oldest failure is that old.`,
        requestBody: { required: true, ...json(LoginSchema) },
        responses: {
          200: answer('Logged in: the account and its CSRF token', OperatorSessionSchema),
          ...fails([
            'malformed_request',
            'malformed_json',
            'unsupported_media_type',
            [
              'login_refused',
              'the same answer for an unknown name, a wrong password and a disabled account',
            ],
            'rate_limited',
            'internal_error',
            'unavailable',
          ]),
        },
      },
    },
    '/api/operator/logout': {
      post: {
        summary: 'End the session',
        security: operator,
        parameters: [csrfHeader],
        responses: {
          200: answer('Logged out; both cookies cleared', LoggedOutSchema),
          ...fails([...OPERATOR_WRITE, ...COMMON]),
        },
      },
    },
    '/api/operator/me': {
      get: {
        summary: "The session's account and its CSRF token (the CSRF cookie is set again)",
        security: operator,
        responses: {
          200: answer('The live session', OperatorSessionSchema),
          ...fails(['not_logged_in', ...COMMON]),
        },
      },
    },
    '/api/operator/password': {
      post: {
        summary: "Change the session's password (a one-time password must be changed first)",
        description:
          "The account's other sessions end. A wrong current password counts as a failed login for the throttle.",
        security: operator,
        parameters: [csrfHeader],
        requestBody: { required: true, ...json(PasswordChangeSchema) },
        responses: {
          200: answer('Changed', OperatorSessionSchema),
          ...fails([
            ...OPERATOR_WRITE,
            'malformed_request',
            'malformed_json',
            'unsupported_media_type',
            'wrong_password',
            ['password_too_weak', 'at least 12 characters; the message says what is wrong'],
            ...COMMON,
          ]),
        },
      },
    },
    '/api/operator/recap/{code}/{ballot}/close': {
      post: {
        summary: "Close a level's recap (sign-off): its D.Hasil is written and signed",
        description:
          "Kecamatan and above (the PPS runs no recap). A kecamatan closes when every TPS below is counted or corrected; a level above when every child region holding a TPS is closed. The D.Hasil names the chain head it was signed at. While closed, results below refuse changes until the level is reopened (docs/recap.md). Role: the level's own (ppk its kecamatan, kpu_kab its kabupaten, ...).",
        security: operator,
        parameters: [recapCode, recapBallot, csrfHeader],
        responses: {
          201: answer('Closed; the signed D.Hasil is published', RecapClosedSchema),
          ...fails([
            ...OPERATOR_WRITE,
            'bad_code',
            'unknown_ballot',
            'unknown_region',
            'must_change_password',
            'forbidden',
            'outside_region',
            'no_recap_level',
            ['recap_not_ready', 'details: how many TPS or regions, and the first few'],
            'recap_already_closed',
            'storage_full',
            ...COMMON,
          ]),
        },
      },
    },
    '/api/operator/recap/{code}/{ballot}/reopen': {
      post: {
        summary: 'Reopen a closed level, with a reason on the record',
        description:
          'Refused while a level above is closed: reopen from the top down. Its totals are published as `correction` until it is closed again.',
        security: operator,
        parameters: [recapCode, recapBallot, csrfHeader],
        requestBody: { required: true, ...json(ReopenRecapSchema) },
        responses: {
          200: answer('Reopened', RecapReopenedSchema),
          ...fails([
            ...OPERATOR_WRITE,
            'bad_code',
            'unknown_ballot',
            'unknown_region',
            'malformed_request',
            'malformed_json',
            'unsupported_media_type',
            'must_change_password',
            'forbidden',
            'outside_region',
            'recap_not_closed',
            'parent_recap_closed',
            'storage_full',
            ...COMMON,
          ]),
        },
      },
    },
    '/api/v1/recap/{code}/{ballot}/dhasil.json': {
      get: {
        summary: "The signed D.Hasil of a level's latest close",
        description:
          'Check it against GET /api/v1/keys/server (`rekap verify-dhasil`). The header Rekap-Recap-State says whether the level is still closed (`certified`) or was reopened since (`correction`: superseded until closed again).',
        parameters: [recapCode, recapBallot],
        responses: {
          200: answer('The D.Hasil and its signature', SignedDHasilRefSchema),
          ...fails([
            'bad_code',
            'unknown_ballot',
            'recap_never_closed',
            'dhasil_corrupt',
            ...COMMON,
          ]),
        },
      },
    },
    '/api/v1/recap/{code}/{ballot}/dhasil.pdf': {
      get: {
        summary: 'The same D.Hasil as a PDF, for people (made from the signed JSON)',
        parameters: [recapCode, recapBallot],
        responses: {
          200: { description: 'The PDF', content: { 'application/pdf': {} } },
          ...fails([
            'bad_code',
            'unknown_ballot',
            'recap_never_closed',
            'dhasil_corrupt',
            ...COMMON,
          ]),
        },
      },
    },
    '/api/v1/keys/server': {
      get: {
        summary: "The server's Ed25519 public key, which signs every D.Hasil",
        responses: { 200: answer('The key', ServerKeySchema), ...fails(COMMON) },
      },
    },
    '/api/v1/audit/head': {
      get: {
        summary: 'The head of the event chain now',
        description:
          'Published at intervals by anyone who keeps them, a head pins the record: no event before it can change without its hash changing.',
        responses: { 200: answer('The last event', ChainHeadSchema), ...fails(COMMON) },
      },
    },
    ...operatorReviewPaths(),
    '/api/v1/photos/{sha256}': {
      get: {
        summary: 'A stored photo by its sha256',
        parameters: [
          {
            name: 'sha256',
            in: 'path',
            required: true,
            schema: { type: 'string', pattern: '^[0-9a-f]{64}$' },
          },
        ],
        responses: {
          200: { description: 'The image bytes', content: { 'image/*': {} } },
          ...fails([
            ['unknown_photo', 'no such photo'],
            ['photo_corrupt', 'the stored bytes do not hash to the sha256; never served'],
            ...COMMON,
          ]),
        },
      },
    },
  };
}

/** Every named schema of the contract as OpenAPI components, cross-references as $refs. */
function components(): Record<string, object> {
  const { schemas } = z.toJSONSchema(contractSchemas, {
    uri: (id) => `${COMPONENTS}${id}`,
    unrepresentable: 'any',
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => {
      // Each component is a schema of the document's own dialect (OpenAPI 3.1: JSON Schema
      // 2020-12), found by its place in the document rather than an $id of its own.
      const rest: Record<string, unknown> = { ...schema };
      delete rest.$schema;
      delete rest.$id;
      // What the contract says the schema is (zod puts only `.describe()` texts in the output).
      const description = contractDescriptions.get(id);
      if (description !== undefined && rest.description === undefined)
        rest.description = description;
      return [id, rest];
    }),
  );
}

let cached: object | undefined;

export function openApiDocument(): object {
  cached ??= {
    openapi: '3.1.0',
    info: {
      title: 'Rekap API',
      version: '1',
      description:
        'Results of Indonesian polling stations (TPS) from form C.Hasil, recapitulated up the region ladder. Codes are Kemendagri codes, dotted (packed KPU codes are accepted in paths). Every refusal is an `Error` body whose `error` is a code of the catalogue in docs/errors.md; `text` has its words in Bahasa Indonesia and English.',
    },
    paths: paths(),
    components: {
      securitySchemes: {
        kpps: {
          type: 'http',
          scheme: 'bearer',
          description: 'From `rekap kpps-token --tps CODE`.',
        },
        operatorSession: {
          type: 'apiKey',
          in: 'cookie',
          name: SESSION_COOKIE,
          description: 'Set by POST /api/operator/login (accounts: `rekap operator add`).',
        },
      },
      schemas: components(),
    },
  };
  return cached;
}
