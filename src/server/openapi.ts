// The OpenAPI 3.1 document served at GET /api/openapi.json. The request schemas come from the
// same zod schemas that validate requests, so the document cannot drift from the checks.
import { z } from 'zod';
import { BALLOTS, ContestSchema } from '../core/ballots.ts';
import { FINDING_KINDS } from '../core/anomaly/index.ts';
import { CHasilSchema } from '../core/chasil.ts';
import { SignedSummarySchema } from '../core/receipt.ts';
import { EnrolDeviceSchema } from './devices.ts';
import { DEFAULT_LIMITS } from './limits.ts';
import { PHOTO_LIMITS } from './photos.ts';
import { QUOTAS } from './quotas.ts';
import { MAX_OBSERVATIONS, OBSERVATIONS_PAGE, SignalObservationSchema } from './signal.ts';
import { JSON_PART_BYTES, PhotoRefsSchema, SignaturePartSchema } from './submit.ts';
import { UPLOADS_PATH } from './uploads.ts';

const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errorResponse = (description: string) => ({ description, ...json(ref('Error')) });

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

const totals = {
  type: 'object',
  required: ['votes', 'valid', 'invalid', 'total'],
  properties: {
    votes: {
      type: 'object',
      additionalProperties: { type: 'integer' },
      description: 'Valid votes per choice key ("1", "2", ...; party lists "P1", "P1.C3").',
    },
    valid: { type: 'integer' },
    invalid: { type: 'integer' },
    total: { type: 'integer' },
  },
};
const progress = {
  type: 'object',
  required: ['tpsReported', 'tpsTotal'],
  properties: { tpsReported: { type: 'integer' }, tpsTotal: { type: 'integer' } },
};
const regionRef = {
  type: 'object',
  required: ['code', 'name', 'level'],
  properties: {
    code: { type: 'string', examples: ['16.08.01'] },
    name: { type: 'string' },
    level: {
      type: 'string',
      enum: ['nasional', 'provinsi', 'kabupaten', 'kecamatan', 'desa', 'tps'],
    },
  },
};
const flag = {
  type: 'object',
  required: ['rule', 'fields', 'message'],
  properties: {
    rule: { type: 'string', examples: ['votes-sum-valid'] },
    fields: {
      type: 'array',
      items: { type: 'string' },
      examples: [['votes.1', 'votes.2', 'votes.3', 'valid']],
    },
    message: { type: 'object', properties: { id: { type: 'string' }, en: { type: 'string' } } },
  },
};

const message = {
  type: 'object',
  required: ['id', 'en'],
  properties: { id: { type: 'string' }, en: { type: 'string' } },
};
const finding = {
  type: 'object',
  description:
    'One finding of the anomaly engine (src/core/anomaly/types.ts). Every kind has `kind`, `check` and `message`; the other properties depend on the kind.',
  required: ['kind', 'check', 'message'],
  properties: {
    kind: { type: 'string', enum: [...FINDING_KINDS] },
    check: { type: 'string', examples: ['votes-sum-valid', 'single-field', 'same-photo'] },
    fields: {
      type: 'array',
      items: { type: 'string' },
      description: 'rule, impossible, incomplete, misread (constraint)',
    },
    message,
    field: { type: 'string', description: 'misread (single-field): the field' },
    read: {
      oneOf: [{ type: 'integer' }, { type: 'array', items: { type: 'integer' } }],
      description: 'misread: the value(s) as read',
    },
    proposed: { type: 'integer', description: 'misread (single-field): the proposed value' },
    how: { type: 'string', enum: ['digit', 'leading', 'determined'] },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    alternatives: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          field: { type: 'string' },
          value: { type: 'integer' },
          how: { type: 'string', enum: ['digit', 'leading', 'determined'] },
          weight: { type: 'number' },
        },
      },
    },
    partial: { type: 'boolean', description: "The change fixes the field's own checks only" },
    sum: { type: 'integer', description: 'misread (constraint): what the other fields fix' },
    scope: { type: 'string', enum: ['desa', 'kecamatan'], description: 'outlier' },
    value: { type: 'number', description: 'outlier: the metric' },
    score: { type: 'number', description: 'outlier: distance in standard deviations' },
    peers: { type: 'integer', description: 'outlier' },
    others: { type: 'array', items: { type: 'string' }, description: 'duplicate: the other TPS' },
  },
};

const notModified = {
  description:
    'Nothing changed since the ETag sent in If-None-Match. Every answer carries an ETag that changes whenever any accepted submission changes the store.',
};

let cached: object | undefined;

export function openApiDocument(): object {
  cached ??= {
    openapi: '3.1.0',
    info: {
      title: 'Rekap API',
      version: '1',
      description:
        'Results of Indonesian polling stations (TPS) from form C.Hasil, recapitulated up the region ladder. Codes are Kemendagri codes, dotted (packed KPU codes are accepted in paths).',
    },
    paths: {
      '/api/v1/meta': {
        get: {
          summary: 'The election and its contests',
          responses: {
            200: { description: 'Election name, demo flag and contests', ...json(ref('Meta')) },
          },
        },
      },
      '/api/v1/results/{code}': {
        get: {
          summary: 'Recap of a region (id = the nation, then provinsi, kabupaten, kecamatan, desa)',
          parameters: [
            codeParam('Region code: id, 16, 16.08, 16.08.01 or 16.08.01.1007'),
            ballotParam,
          ],
          responses: {
            200: { description: 'Totals, progress and children', ...json(ref('RegionResult')) },
            304: notModified,
            400: errorResponse('Malformed code or unknown ballot'),
            404: errorResponse('No such region'),
          },
        },
      },
      '/api/v1/tps/{code}': {
        get: {
          summary: 'One TPS: current result, photos, status, flags and every version',
          parameters: [codeParam('TPS code, 16.08.01.1007.001 or 1608011007001'), ballotParam],
          responses: {
            200: { description: 'The TPS with its history', ...json(ref('TpsResult')) },
            304: notModified,
            400: errorResponse('Malformed code or unknown ballot'),
            404: errorResponse('No such TPS'),
          },
        },
      },
      '/api/v1/anomalies/{code}': {
        get: {
          summary:
            "The anomaly engine over Rekap's current results below a region (at most 5,000 TPS)",
          description:
            'Per TPS with any finding: rule breaches, impossible values, likely misreads with a proposal, outliers against its desa and kecamatan, duplicates. For review only; nothing here changes a number.',
          parameters: [
            codeParam('Region code: id, 16, 16.08, 16.08.01 or 16.08.01.1007'),
            ballotParam,
          ],
          responses: {
            200: {
              description: 'Findings per TPS and a summary by kind',
              ...json(ref('RegionAnomalies')),
            },
            400: errorResponse('Malformed code or ballot, or a region of more than 5,000 TPS'),
            404: errorResponse('No TPS below this region'),
          },
        },
      },
      '/api/v1/tps/{code}/submissions': {
        post: {
          summary: 'Submit the C.Hasil of a TPS (KPPS token of that TPS)',
          description:
            'Accepted results are never overwritten: a resubmission becomes a new version and the latest clean version counts. A result that breaks a rule of the form is kept with its photo, flagged, and not counted until reviewed. An identical resubmission (same hash) answers 200 with the existing submission.',
          security: [{ kpps: [] }],
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
                    result: ref('CHasil'),
                    photos: {
                      ...z.toJSONSchema(PhotoRefsSchema),
                      description:
                        'JSON array of the sha256 (hex) of photos this TPS uploaded with tus, in page order.',
                    },
                    signature: {
                      ...z.toJSONSchema(SignaturePartSchema),
                      description:
                        "JSON: the enrolled device's Ed25519 signature of the SignedSummary the server rebuilds from this TPS, ballot, result, the photo hashes in page order, signedAt and deviceId (canonical JSON, src/core/receipt.ts).",
                    },
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
            201: { description: 'Accepted as a new version', ...json(ref('SubmissionReceipt')) },
            200: {
              description: 'Identical to an earlier submission; nothing new stored',
              ...json(ref('SubmissionReceipt')),
            },
            400: errorResponse(
              'Malformed request (missing part, malformed JSON, bad code); a multipart body without a boundary, cut before its closing boundary or with a malformed part header (`malformed_multipart`)',
            ),
            401: errorResponse('No token, or an unknown one'),
            403: errorResponse(
              'The token belongs to another TPS (`wrong_tps`); the device is unknown, revoked or of another TPS (`unknown_device`); the signature does not verify (`bad_signature`); the TPS has an enrolled device and the submission is unsigned (`signature_required`)',
            ),
            404: errorResponse('Unknown TPS or ballot'),
            408: errorResponse(
              `The request did not arrive in time (\`request_timeout\`): headers within ${DEFAULT_LIMITS.headersTimeoutMs / 1000} s, the whole request within ${DEFAULT_LIMITS.requestTimeoutMs / 1000} s, and a body at least ${DEFAULT_LIMITS.minBodyBytesPerS} bytes/s after its first ${DEFAULT_LIMITS.bodyGraceMs / 1000} s`,
            ),
            413: errorResponse(
              `\`payload_too_large\`: a body over ${DEFAULT_LIMITS.submissionBytes} bytes (refused on its Content-Length before it is read, or when a chunked body passes it), a photo over ${PHOTO_LIMITS.maxBytes} bytes, or a JSON part over ${JSON_PART_BYTES} bytes`,
            ),
            415: errorResponse('Not multipart/form-data'),
            503: errorResponse(
              'The server holds as many submission bodies in memory as it may (`server_busy`): try again after Retry-After seconds',
            ),
            422: errorResponse(
              'Result fields missing, unknown or out of range (the message names each field), a photo that is not a whole image (`invalid_photo`: every photo is decoded in full), or a `photos` hash this TPS did not upload (`unknown_photo`)',
            ),
          },
        },
      },
      '/api/v1/kpps/devices': {
        post: {
          summary: 'Enrol a KPPS device: register the public half of its Ed25519 key',
          description:
            'Once per device and TPS. The same key again answers 200 with the same device. From then on every ppwp submission of the TPS must be signed by an enrolled device.',
          security: [{ kpps: [] }],
          requestBody: { required: true, ...json(z.toJSONSchema(EnrolDeviceSchema)) },
          responses: {
            201: { description: 'Enrolled', ...json(ref('Device')) },
            200: { description: 'This key was enrolled before', ...json(ref('Device')) },
            400: errorResponse('Malformed body, TPS code or key (`bad_key`)'),
            401: errorResponse('No token, or an unknown one'),
            403: errorResponse('The token belongs to another TPS, or the key was revoked'),
            409: errorResponse(
              'The key is enrolled for another TPS (`key_in_use`), or the token has enrolled as many devices as it may (`device_limit`, default 2)',
            ),
            429: errorResponse('Too many enrolments from this token or address (`rate_limited`)'),
          },
        },
      },
      [`${UPLOADS_PATH}/`]: {
        post: {
          summary: 'Create a resumable photo upload (tus 1.0.0, creation extension)',
          description: `The tus protocol (https://tus.io/protocols/resumable-upload): POST with Upload-Length and Upload-Metadata, then PATCH (Content-Type application/offset+octet-stream) from the Upload-Offset that HEAD reports, as often as the connection needs. Metadata keys: \`tps\` (the token's TPS), \`sha256\` (hex, required), \`filename\`, \`filetype\`. At most ${PHOTO_LIMITS.maxBytes} bytes. Every request needs the KPPS token. When the last byte arrives the photo is checked and kept (the final PATCH answers 204 with Rekap-Photo-Sha256), and a submission of that TPS can name it in its \`photos\` part. A hash that does not match answers 460 (\`checksum_mismatch\`), a file that is not a whole image 422 (\`invalid_photo\`); nothing is kept then.`,
          security: [{ kpps: [] }],
          parameters: [
            { name: 'Tus-Resumable', in: 'header', required: true, schema: { const: '1.0.0' } },
            { name: 'Upload-Length', in: 'header', required: true, schema: { type: 'integer' } },
            { name: 'Upload-Metadata', in: 'header', required: true, schema: { type: 'string' } },
          ],
          responses: {
            201: { description: 'Created; Location holds the upload URL' },
            400: { description: 'Missing or malformed metadata (tps, sha256) or length' },
            401: errorResponse('No token, or an unknown one'),
            403: { description: 'The metadata names another TPS than the token' },
            413: { description: 'Larger than the photo limit' },
            429: errorResponse(
              `The TPS has ${QUOTAS.parkedUploadBytes / 1024 / 1024} MB of unfinished uploads or ${QUOTAS.unreferencedPhotos} photos no submission names (\`quota_exceeded\`), or too many requests (\`rate_limited\`)`,
            ),
          },
        },
      },
      [`${UPLOADS_PATH}/{id}`]: {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        head: {
          summary: 'Where an upload stands: Upload-Offset (resume from there) and Upload-Length',
          security: [{ kpps: [] }],
          responses: {
            200: { description: 'Upload-Offset and Upload-Length headers' },
            401: errorResponse('No token, or an unknown one'),
            403: { description: 'The upload belongs to another TPS' },
            404: {
              description: 'No such upload (finished uploads are moved into the photo store)',
            },
          },
        },
        patch: {
          summary: 'Append bytes at Upload-Offset',
          security: [{ kpps: [] }],
          requestBody: {
            required: true,
            content: {
              'application/offset+octet-stream': { schema: { type: 'string', format: 'binary' } },
            },
          },
          responses: {
            204: { description: 'Appended; Upload-Offset is the new offset' },
            401: errorResponse('No token, or an unknown one'),
            403: { description: 'The upload belongs to another TPS' },
            409: { description: 'Upload-Offset differs from the offset the server holds' },
            422: { description: 'Complete, but not a whole, decodable image; nothing kept' },
            460: {
              description:
                'Complete, but the bytes do not hash to the declared sha256; nothing kept',
            },
          },
        },
        delete: {
          summary: 'Abandon an unfinished upload (tus termination)',
          security: [{ kpps: [] }],
          responses: { 204: { description: 'Removed' } },
        },
      },
      '/api/v1/signal/observations': {
        post: {
          summary: "Record the field app's attempts to reach the server (blank-spot map)",
          security: [{ kpps: [] }],
          requestBody: {
            required: true,
            ...json({ type: 'array', maxItems: MAX_OBSERVATIONS, items: ref('SignalObservation') }),
          },
          responses: {
            202: {
              description: 'Stored',
              ...json({ type: 'object', properties: { stored: { type: 'integer' } } }),
            },
            400: errorResponse('Malformed observations (the message names each)'),
            401: errorResponse('No token, or an unknown one'),
            403: errorResponse('An observation names another TPS than the token'),
            413: errorResponse(`More than ${QUOTAS.observationsPerHour} observations in one batch`),
            429: errorResponse(
              `The TPS sent ${QUOTAS.observationsPerHour} observations in the last hour (\`quota_exceeded\`, with Retry-After), or too many requests (\`rate_limited\`)`,
            ),
          },
        },
        get: {
          summary: `The observations of the TPS below a region (the newest ${OBSERVATIONS_PAGE}, at most ${QUOTAS.publicObservationsPerTps} of each TPS), oldest first`,
          description:
            'Positions are rounded to 0.01 degree (about 1.1 km) and accuracyM is at least 1100, so no officer is located to the metre in public.',
          parameters: [
            {
              name: 'region',
              in: 'query',
              required: false,
              schema: { type: 'string', default: 'id' },
              description: 'Region code: id, 16, 16.08, 16.08.01 or 16.08.01.1007',
            },
          ],
          responses: {
            200: {
              description: 'Observations, each with the time the server received it',
              ...json({
                type: 'object',
                properties: {
                  region: { type: 'string' },
                  observations: {
                    type: 'array',
                    items: {
                      allOf: [
                        ref('SignalObservation'),
                        { type: 'object', properties: { receivedAt: { type: 'string' } } },
                      ],
                    },
                  },
                  truncated: { type: 'boolean' },
                },
              }),
            },
            400: errorResponse('Malformed region code'),
          },
        },
      },
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
            404: errorResponse('No such photo'),
          },
        },
      },
    },
    components: {
      securitySchemes: {
        kpps: {
          type: 'http',
          scheme: 'bearer',
          description: 'From `rekap kpps-token --tps CODE`.',
        },
      },
      schemas: {
        CHasil: z.toJSONSchema(CHasilSchema),
        SignedSummary: {
          ...z.toJSONSchema(SignedSummarySchema),
          description:
            'What a device signs (Ed25519 over the UTF-8 of its canonical JSON: sorted keys, no white space). The witness receipt (QR code) carries it: `RKP1.` + base64url of a positional encoding (src/core/receipt.ts).',
        },
        SignalObservation: z.toJSONSchema(SignalObservationSchema),
        Device: {
          type: 'object',
          required: ['deviceId', 'tps', 'enrolledAt'],
          properties: {
            deviceId: { type: 'string', format: 'uuid' },
            tps: { type: 'string' },
            enrolledAt: { type: 'string', format: 'date-time' },
          },
        },
        Signature: {
          type: ['object', 'null'],
          description:
            "The device's signature of this version's SignedSummary, with the device's public key so that anyone can verify it; null when unsigned.",
          properties: {
            deviceId: { type: 'string' },
            publicKey: { type: 'string', description: 'base64url of the raw 32-byte Ed25519 key' },
            signedAt: { type: 'string', format: 'date-time' },
            signature: { type: 'string', description: 'base64url of the 64-byte signature' },
          },
        },
        Contest: z.toJSONSchema(ContestSchema),
        Error: {
          type: 'object',
          required: ['error', 'message'],
          properties: { error: { type: 'string' }, message: { type: 'string' }, details: {} },
        },
        Meta: {
          type: 'object',
          properties: {
            election: {
              type: ['object', 'null'],
              properties: { name: { type: 'string' }, demo: { type: 'boolean' } },
            },
            contests: { type: 'array', items: ref('Contest') },
          },
        },
        Flag: flag,
        RegionResult: {
          type: 'object',
          required: ['code', 'name', 'level', 'progress', 'totals', 'children'],
          properties: {
            ...regionRef.properties,
            ballot: { type: 'string' },
            parents: { type: 'array', items: regionRef },
            progress,
            totals,
            children: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  ...regionRef.properties,
                  progress,
                  totals,
                  status: {
                    type: 'string',
                    enum: ['none', 'counted', 'flagged'],
                    description: 'TPS children only',
                  },
                },
              },
            },
          },
        },
        Finding: finding,
        RegionAnomalies: {
          type: 'object',
          required: ['region', 'ballot', 'tpsAudited', 'summary', 'tps'],
          properties: {
            region: { type: 'string' },
            ballot: { type: 'string' },
            tpsAudited: { type: 'integer', description: 'TPS below the region with a result' },
            summary: {
              type: 'object',
              description: 'TPS with at least one finding of each kind',
              properties: Object.fromEntries(FINDING_KINDS.map((k) => [k, { type: 'integer' }])),
            },
            tps: {
              type: 'array',
              items: {
                type: 'object',
                required: ['tps', 'version', 'findings'],
                properties: {
                  tps: { type: 'string' },
                  version: { type: 'integer', description: 'The version audited' },
                  findings: { type: 'array', items: ref('Finding') },
                },
              },
            },
          },
        },
        NullableResult: {
          type: 'object',
          description:
            "A result with every path of Rekap's C.Hasil (dpt, voters, ballots, disabled, votes, valid, invalid, total); null where the source has no value (Sirekap has no section II or III, and often leaves fields empty).",
          additionalProperties: {
            oneOf: [{ type: 'integer' }, { type: 'null' }, ref('NullableResult')],
          },
        },
        TpsResult: {
          type: 'object',
          properties: {
            external: {
              type: ['object', 'null'],
              description:
                'The newest result Sirekap published for this TPS, as imported by `rekap import sirekap`; null when none was imported. For comparison only: never counted.',
              required: ['source', 'importedAt', 'result'],
              properties: {
                source: { type: 'string', enum: ['sirekap'] },
                importedAt: { type: 'string', format: 'date-time' },
                result: ref('NullableResult'),
              },
            },
            anomalies: {
              type: 'array',
              description:
                "The anomaly engine's per-record findings on the current version (the one that counts, else the newest); empty when there is no result.",
              items: ref('Finding'),
            },
            ...regionRef.properties,
            ballot: { type: 'string' },
            parents: { type: 'array', items: regionRef },
            dpt: { type: ['integer', 'null'], description: 'Registered DPT of the TPS' },
            status: { type: 'string', enum: ['none', 'counted', 'flagged'] },
            counted: {
              type: ['object', 'null'],
              properties: { version: { type: 'integer' }, submissionId: { type: 'string' } },
            },
            versions: {
              type: 'array',
              description: 'Newest first. Nothing is ever overwritten.',
              items: {
                type: 'object',
                properties: {
                  id: { type: 'string' },
                  version: { type: 'integer' },
                  hash: {
                    type: 'string',
                    description: 'sha256 of the canonical JSON of {tps, ballot, result, photos}',
                  },
                  prevChainHash: { type: ['string', 'null'] },
                  chainHash: {
                    type: 'string',
                    description:
                      "sha256 over the previous version's chain hash, this hash, uploader, time and status",
                  },
                  receivedAt: { type: 'string', format: 'date-time' },
                  uploader: { type: 'string' },
                  status: { type: 'string', enum: ['clean', 'flagged'] },
                  counted: { type: 'boolean' },
                  flags: { type: 'array', items: ref('Flag') },
                  result: ref('CHasil'),
                  signature: ref('Signature'),
                  photos: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        sha256: { type: 'string' },
                        url: { type: 'string' },
                        contentType: { type: 'string' },
                        size: { type: 'integer' },
                        width: { type: 'integer' },
                        height: { type: 'integer' },
                      },
                    },
                  },
                },
              },
            },
          },
        },
        SubmissionReceipt: {
          type: 'object',
          required: ['id', 'hash', 'version', 'status'],
          properties: {
            id: { type: 'string' },
            tps: { type: 'string' },
            ballot: { type: 'string' },
            version: { type: 'integer' },
            hash: { type: 'string' },
            chainHash: { type: 'string' },
            status: { type: 'string', enum: ['clean', 'flagged'] },
            counted: {
              type: 'boolean',
              description: 'Whether this version now counts in the totals',
            },
            duplicate: { type: 'boolean' },
            flags: { type: 'array', items: ref('Flag') },
            receivedAt: { type: 'string', format: 'date-time' },
          },
        },
      },
    },
  };
  return cached;
}
