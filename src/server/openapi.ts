// The OpenAPI 3.1 document served at GET /api/openapi.json. The request schemas come from the
// same zod schemas that validate requests, so the document cannot drift from the checks.
import { z } from 'zod';
import { BALLOTS, ContestSchema } from '../core/ballots.ts';
import { CHasilSchema } from '../core/chasil.ts';
import { PHOTO_LIMITS } from './photos.ts';

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
                  required: ['result', 'photo'],
                  properties: {
                    result: ref('CHasil'),
                    photo: {
                      type: 'array',
                      items: { type: 'string', format: 'binary' },
                      maxItems: PHOTO_LIMITS.maxPhotos,
                      description: `Photos of the form's pages: JPEG, PNG or WebP, at most ${PHOTO_LIMITS.maxBytes} bytes and ${PHOTO_LIMITS.maxPixels} pixels each.`,
                    },
                  },
                },
                encoding: { result: { contentType: 'application/json' } },
              },
            },
          },
          responses: {
            201: { description: 'Accepted as a new version', ...json(ref('SubmissionReceipt')) },
            200: {
              description: 'Identical to an earlier submission; nothing new stored',
              ...json(ref('SubmissionReceipt')),
            },
            400: errorResponse('Malformed request (missing part, malformed JSON, bad code)'),
            401: errorResponse('No token, or an unknown one'),
            403: errorResponse('The token belongs to another TPS'),
            404: errorResponse('Unknown TPS or ballot'),
            413: errorResponse('A photo over the size limit'),
            415: errorResponse('Not multipart/form-data'),
            422: errorResponse(
              'Result fields missing, unknown or out of range (the message names each field), or a photo that is not a whole, decodable image',
            ),
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
        TpsResult: {
          type: 'object',
          properties: {
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
