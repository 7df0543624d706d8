// The portal's region reads beside the recap (issue 13), all public and cached by change mark
// (public-read.ts): the TPS below a region that wait for a person, the region's anomalies page,
// the search by code or name, the TPS reported by hour; and the API reference page, rendered
// here from the OpenAPI document.
import type { FastifyInstance } from 'fastify';
import { parseRegionCode } from '../core/codes.ts';
import { err, ok } from '../core/result.ts';
import type { Store } from '../store/store.ts';
import { SEARCH_MAX_LENGTH } from '../store/portal-queries.ts';
import { apiReferenceHtml } from './api-reference.ts';
import { ballotOf } from './ballot.ts';
import { apiError, sendError } from './errors.ts';
import { openApiDocument } from './openapi.ts';
import type { CachedRead } from './public-read.ts';

export function registerPortalRoutes(
  app: FastifyInstance,
  deps: { store: Store; cachedRead: CachedRead },
): void {
  const { store, cachedRead } = deps;

  /** A region read: the ballot and the code checked, then `read` cached under `name/code/ballot`. */
  const regionRead = (
    name: string,
    read: (code: never, ballot: never) => Promise<object | undefined>,
  ) =>
    app.get<{ Params: { code: string }; Querystring: { ballot?: string } }>(
      name === 'progress' ? '/api/v1/progress/:code' : `/api/v1/regions/:code/${name}`,
      async (req, reply) => {
        const ballot = ballotOf(req.query);
        if (!ballot.ok) return sendError(reply, ballot.error);
        const code = parseRegionCode(req.params.code);
        if (!code)
          return sendError(reply, apiError('bad_code', `not a region code: ${req.params.code}`));
        return cachedRead(req, reply, `${name}/${code}/${ballot.value}`, async () => {
          const body = await read(code as never, ballot.value as never);
          return body
            ? ok(body)
            : err(apiError('unknown_region', `no region ${code} in this election`));
        });
      },
    );

  regionRead('flagged', (code, ballot) => store.regionFlagged(code, ballot));
  regionRead('issues', (code, ballot) => store.regionIssues(code, ballot));
  regionRead('progress', (code, ballot) => store.progressByHour(code, ballot));

  app.get<{ Querystring: { q?: string } }>('/api/v1/search', async (req, reply) => {
    const raw = typeof req.query.q === 'string' ? req.query.q : '';
    const q = raw.trim().slice(0, SEARCH_MAX_LENGTH);
    if (q.length === 0)
      return sendError(reply, apiError('bad_request', 'say what to search for: ?q=...'));
    const key = `search/${q}`;
    return cachedRead(req, reply, key, async () => ok(await store.searchPlaces(q)));
  });

  // The API reference, readable: the OpenAPI document as plain HTML (no script).
  let page: string | undefined;
  const reference = async (_req: unknown, reply: import('fastify').FastifyReply) => {
    page ??= apiReferenceHtml(openApiDocument());
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .send(page);
  };
  app.get('/api/', reference);
  app.get('/api/docs', reference);
}
