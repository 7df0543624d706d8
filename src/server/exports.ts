// The open-data exports over HTTP (docs/open-data.md): every TPS's counted result as CSV or JSON
// Lines, the recap of every region of one level, and the NIST SP 1500-100 CDF report. Each is
// streamed from the store's keyset pages (src/store/export.ts): the next page is read only when
// the client has taken the last, so a national export runs in bounded memory at the client's pace.
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Ballot, Contest } from '../core/ballots.ts';
import { CDF_FORMATS, cdfReport, reportStatus, type CdfFormat } from '../core/cdf.ts';
import { REGION_LEVELS, type RegionLevel } from '../core/codes.ts';
import { quote } from '../core/problems.ts';
import { err, ok, type Result } from '../core/result.ts';
import {
  cdfUnits,
  csvLine,
  regionCsvCells,
  regionCsvColumns,
  regionExportPages,
  tpsCsvCells,
  tpsCsvColumns,
  tpsExportPages,
} from '../store/export.ts';
import type { Store } from '../store/store.ts';
import { ballotOf } from './ballot.ts';
import { apiError, sendError, type ApiError } from './errors.ts';
import { matchesEtag, PUBLIC_READ_CACHE } from './public-read.ts';

export const EXPORT_PATHS = {
  tpsCsv: '/api/v1/export/tps.csv',
  tpsJsonl: '/api/v1/export/tps.jsonl',
  regionsCsv: '/api/v1/export/regions.csv',
  regionsJsonl: '/api/v1/export/regions.jsonl',
  cdf: '/api/v1/export/cdf.json',
} as const;

const CSV_TYPE = 'text/csv; charset=utf-8; header=present';
const JSONL_TYPE = 'application/jsonl; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';

/** The export levels: every level with regions below the nation. */
const LEVELS = REGION_LEVELS.filter((l) => l !== 'nasional');

type Query = { ballot?: unknown; level?: unknown; format?: unknown };

/** The ballot of the query, known to this election, with its contest. */
async function contestOf(
  store: Store,
  query: unknown,
): Promise<Result<{ ballot: Ballot; contest: Contest }, ApiError>> {
  const ballot = ballotOf(query);
  if (!ballot.ok) return ballot;
  const contest = await store.contest(ballot.value);
  if (!contest)
    return err(apiError('unknown_ballot', `this election has no ${ballot.value} ballot`));
  return ok({ ballot: ballot.value, contest });
}

function levelOf(query: Query): Result<RegionLevel, ApiError> {
  const raw = query.level ?? 'kecamatan';
  const level = LEVELS.find((l) => l === raw);
  return level
    ? ok(level)
    : err(
        apiError(
          'bad_request',
          `unknown level ${typeof raw === 'string' ? quote(raw, 40) : 'in the query'} (one of ${LEVELS.join(', ')})`,
        ),
      );
}

function formatOf(query: Query): Result<CdfFormat, ApiError> {
  const raw = query.format ?? 'precinct-level';
  const format = CDF_FORMATS.find((f) => f === raw);
  return format
    ? ok(format)
    : err(
        apiError(
          'bad_request',
          `unknown format ${typeof raw === 'string' ? quote(raw, 40) : 'in the query'} (one of ${CDF_FORMATS.join(', ')})`,
        ),
      );
}

/**
 * Sends the pieces as a stream, with the store's change mark as ETag (304 when the client holds
 * it), the public Cache-Control and a file name; compressed when the client asks. An error
 * while streaming ends the connection (the client sees a cut answer, never a complete-looking one).
 */
async function stream(
  req: FastifyRequest,
  reply: FastifyReply,
  store: Store,
  file: { name: string; type: string },
  pieces: () => AsyncIterable<string>,
): Promise<unknown> {
  const etag = `"${await store.changeMark()}"`;
  reply
    .header('etag', etag)
    .header('cache-control', PUBLIC_READ_CACHE)
    .header('content-disposition', `attachment; filename="${file.name}"`)
    .type(file.type);
  if (matchesEtag(req.headers['if-none-match'], etag)) return reply.code(304).send();
  if (req.method === 'HEAD') return reply.send();
  const body = Readable.from(pieces(), { objectMode: false, highWaterMark: 64 * 1024 });
  body.on('error', (e) => req.log.error({ err: e }, `export ${file.name} failed while streaming`));
  // Compressed only for a client that asks (@fastify/compress picks the encoding).
  return /\b(gzip|deflate|br)\b/.test(String(req.headers['accept-encoding'] ?? ''))
    ? reply.compress(body)
    : reply.send(body);
}

/** Joins each page's lines into one piece, so a stream write carries a page, not one line. */
async function* lines<T>(
  header: string | undefined,
  pages: AsyncIterable<readonly T[]>,
  line: (row: T) => string,
): AsyncGenerator<string> {
  if (header !== undefined) yield header;
  for await (const page of pages) yield page.map(line).join('');
}

export function registerExports(app: FastifyInstance, deps: { store: Store }): void {
  const { store } = deps;

  app.get<{ Querystring: Query }>(EXPORT_PATHS.tpsCsv, async (req, reply) => {
    const c = await contestOf(store, req.query);
    if (!c.ok) return sendError(reply, c.error);
    const { ballot, contest } = c.value;
    return stream(req, reply, store, { name: `rekap-tps-${ballot}.csv`, type: CSV_TYPE }, () =>
      lines(csvLine(tpsCsvColumns(contest)), tpsExportPages(store, ballot), (r) =>
        csvLine(tpsCsvCells(r, contest)),
      ),
    );
  });

  app.get<{ Querystring: Query }>(EXPORT_PATHS.tpsJsonl, async (req, reply) => {
    const c = await contestOf(store, req.query);
    if (!c.ok) return sendError(reply, c.error);
    const { ballot } = c.value;
    return stream(req, reply, store, { name: `rekap-tps-${ballot}.jsonl`, type: JSONL_TYPE }, () =>
      lines(undefined, tpsExportPages(store, ballot), (r) => `${JSON.stringify(r)}\n`),
    );
  });

  for (const [path, ext] of [
    [EXPORT_PATHS.regionsCsv, 'csv'],
    [EXPORT_PATHS.regionsJsonl, 'jsonl'],
  ] as const)
    app.get<{ Querystring: Query }>(path, async (req, reply) => {
      const c = await contestOf(store, req.query);
      if (!c.ok) return sendError(reply, c.error);
      const level = levelOf(req.query);
      if (!level.ok) return sendError(reply, level.error);
      const { ballot, contest } = c.value;
      const name = `rekap-${level.value}-${ballot}.${ext}`;
      const pages = () => regionExportPages(store, ballot, level.value);
      return ext === 'csv'
        ? stream(req, reply, store, { name, type: CSV_TYPE }, () =>
            lines(csvLine(regionCsvColumns(contest)), pages(), (r) =>
              csvLine(regionCsvCells(r, contest)),
            ),
          )
        : stream(req, reply, store, { name, type: JSONL_TYPE }, () =>
            lines(undefined, pages(), (r) => `${JSON.stringify(r)}\n`),
          );
    });

  app.get<{ Querystring: Query }>(EXPORT_PATHS.cdf, async (req, reply) => {
    const c = await contestOf(store, req.query);
    if (!c.ok) return sendError(reply, c.error);
    const format = formatOf(req.query);
    if (!format.ok) return sendError(reply, format.error);
    const { ballot, contest } = c.value;
    const [nation] = await store.regionExportRows(ballot, 'nasional', { limit: 1 });
    const election = await store.election();
    const now = new Date();
    const info = {
      contest,
      electionName: election?.name ?? 'Rekap',
      // Rekap's election files carry no date: the report's day stands for it.
      date: now.toISOString().slice(0, 10),
      demo: election?.demo ?? false,
      format: format.value,
      status: reportStatus(
        nation ?? { tpsReported: 0, tpsTotal: 0, recap: 'unofficial-partial' as const },
      ),
      generatedDate: `${now.toISOString().slice(0, 19)}Z`,
      vendorApplicationId: 'Rekap',
      sequence: 1,
    };
    const name = `rekap-cdf-${ballot}${format.value === 'summary-contest' ? '-summary' : ''}.json`;
    return stream(req, reply, store, { name, type: JSON_TYPE }, () =>
      cdfReport(info, cdfUnits(store, ballot)),
    );
  });
}
