// The review queue's API (issue 12, part E): the TPS of a region that need a person, one TPS with
// everything its reviewer weighs, the review actions, and the zoom crops of a field's boxes. Every
// route asks `requireOperator` (session.ts) whether this account may take this action on this TPS
// or region; every action is a new event (the store's `review`), nothing is overwritten.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type * as z from 'zod';
import { voteKeys, type Ballot } from '../core/ballots.ts';
import { CHasilSchema, fieldEntries, fieldPaths, type CHasil } from '../core/chasil.ts';
import { parseRegionCode, parseTpsCode, type TpsCode } from '../core/codes.ts';
import { quote } from '../core/problems.ts';
import type { TpsReview } from '../core/review.ts';
import type { Action } from '../core/authz.ts';
import type { EventDetails, EventType } from '../contract/events.ts';
import {
  ConfirmSchema,
  CorrectSchema,
  ObjectionAnswerSchema,
  ObjectionSchema,
  PhotoRequestSchema,
  QUEUE_STATES,
  QueueQuerySchema,
  type OperatorTps,
  type PhotoPage,
  type QueueItem,
  type ReviewDone,
  type ReviewField,
  type ReviewQueue,
} from '../contract/review.ts';
import { accountActor } from '../store/accounts.ts';
import type { TpsResult } from '../store/recap.ts';
import type { ReviewAction, ReviewRefusal } from '../store/review.ts';
import type { Store } from '../store/store.ts';
import type { VersionEvent } from '../store/submissions.ts';
import { auditCurrent } from './anomalies.ts';
import { ballotOf } from './ballot.ts';
import { apiError, sendError, type ApiError } from './errors.ts';
import { fieldCrops, type FieldCrops } from './operator-crops.ts';
import { requireOperator } from './session.ts';

export type OperatorRouteDeps = { store: Store };

/** The review actions by their path under /api/operator/tps/{code}/{ballot}/. */
export const ACTION_ROUTES = {
  confirm: { action: 'confirm', schema: ConfirmSchema },
  correct: { action: 'correct', schema: CorrectSchema },
  'photo-request': { action: 'request_photo', schema: PhotoRequestSchema },
  objection: { action: 'object', schema: ObjectionSchema },
  'objection-answer': { action: 'answer_objection', schema: ObjectionAnswerSchema },
} as const satisfies Record<string, { action: Action; schema: z.ZodType }>;
export type ActionPath = keyof typeof ACTION_ROUTES;

function malformed(what: string, issues: readonly { path: PropertyKey[]; message: string }[]) {
  const first = issues[0];
  const where =
    first && first.path.length > 0 ? `${what}.${first.path.map(String).join('.')}` : what;
  return apiError('malformed_request', `${where}: ${first?.message ?? 'does not fit its schema'}`);
}

const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store');

/** An event's details by its type (the store parsed them with the type's schema on reading). */
const detailsOf = <T extends EventType>(e: VersionEvent, _type: T): EventDetails<T> =>
  e.details as EventDetails<T>;

/** A field's value in a result by its dotted path. */
function valueAt(result: CHasil, path: string): number | null {
  for (const [p, v] of fieldEntries(result)) if (p === path) return v;
  return null;
}

/** The result with `changes` (path -> value) applied; an unknown path is named. */
export function applyChanges(
  result: CHasil,
  changes: Readonly<Record<string, number>>,
  paths: readonly string[],
): { ok: true; value: CHasil } | { ok: false; path: string } {
  const out = structuredClone(result) as unknown as Record<string, unknown>;
  for (const [path, value] of Object.entries(changes)) {
    if (!paths.includes(path)) return { ok: false, path };
    const parts = path.split('.');
    let node = out;
    for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
    node[parts.at(-1)!] = value;
  }
  return { ok: true, value: CHasilSchema.parse(out) };
}

const NO_REVIEW: TpsReview = { state: 'none', counted: null, latest: null, reasons: [] };

/**
 * One TPS as its reviewer sees it: the store's review of its record (`tpsReview`: the state, the
 * counted version, each version's kind, every event about them) beside the public TPS answer
 * (names, photos, flags, the anomaly engine's findings).
 */
export async function operatorTps(
  store: Store,
  crops: FieldCrops,
  t: TpsResult,
): Promise<OperatorTps> {
  const code = t.code as TpsCode;
  const ballot = t.ballot;
  const view = await store.tpsReview(code, ballot);
  const review: TpsReview = view ?? NO_REVIEW;
  const kindOf = new Map(view?.versions.map((v) => [v.version, v]) ?? []);
  const isCorrection = (version: number) => kindOf.get(version)?.kind === 'correction';
  const out: Pick<
    OperatorTps,
    'rereads' | 'confirmations' | 'corrections' | 'photoRequests' | 'objections'
  > = { rereads: [], confirmations: [], corrections: [], photoRequests: [], objections: [] };
  const who = (e: VersionEvent) => ({ seq: e.seq, at: e.at, actor: e.actor });
  for (const e of view?.events ?? []) {
    switch (e.type) {
      case 'result_corrected': {
        const d = detailsOf(e, e.type);
        out.corrections.push({
          ...who(e),
          version: d.version,
          corrects: d.corrects,
          changes: d.changes,
          reason: d.reason,
          reference: d.reference,
        });
        break;
      }
      case 'reread_agrees':
        out.rereads.push({
          ...who(e),
          version: e.details.version,
          outcome: 'agrees',
          fields: [],
          reason: null,
        });
        break;
      case 'reread_disagrees':
        out.rereads.push({
          ...who(e),
          version: e.details.version,
          outcome: 'disagrees',
          fields: detailsOf(e, e.type).fields,
          reason: null,
        });
        break;
      case 'reread_failed':
        out.rereads.push({
          ...who(e),
          version: e.details.version,
          outcome: 'failed',
          fields: [],
          reason: detailsOf(e, e.type).reason,
        });
        break;
      case 'result_confirmed':
        out.confirmations.push({
          ...who(e),
          version: e.details.version,
          reason: detailsOf(e, e.type).reason,
        });
        break;
      case 'photo_requested': {
        const d = detailsOf(e, e.type);
        out.photoRequests.push({
          ...who(e),
          version: d.version,
          reason: d.reason,
          pages: d.pages ?? null,
        });
        break;
      }
      case 'objection_filed': {
        const d = detailsOf(e, e.type);
        out.objections.push({
          ...who(e),
          version: d.version,
          text: d.text,
          fields: d.fields ?? null,
          answer: null,
        });
        break;
      }
      case 'objection_answered': {
        const d = detailsOf(e, e.type);
        const o = out.objections.find((x) => x.seq === d.objection);
        if (o) o.answer = { ...who(e), reason: d.reason };
        break;
      }
      case 'submission_received':
        break;
    }
  }

  // The table: the newest KPPS submission, what the server read of it, and a correction after it.
  const latestSubmission = t.versions.find((v) => !isCorrection(v.version));
  const latestCorrection = t.versions.find(
    (v) => isCorrection(v.version) && (!latestSubmission || v.version > latestSubmission.version),
  );
  const reread = latestSubmission
    ? out.rereads.filter((r) => r.version === latestSubmission.version).at(-1)
    : undefined;
  const contest = await store.contest(ballot);
  const paths = latestSubmission
    ? fieldEntries(latestSubmission.result).map(([p]) => p)
    : contest
      ? fieldPaths(voteKeys(contest))
      : [];
  const fields: ReviewField[] = paths.map((path) => {
    const submitted = latestSubmission ? valueAt(latestSubmission.result, path) : null;
    const change = reread?.fields.find((f) => f.field === path);
    const read = !reread || reread.outcome === 'failed' ? null : change ? change.to : submitted;
    const corrected = latestCorrection ? valueAt(latestCorrection.result, path) : null;
    const seen = [submitted, read, corrected].filter((v) => v !== null);
    return {
      path,
      submitted,
      read,
      corrected,
      differs: (change !== undefined && change.to === null) || new Set(seen).size > 1,
    };
  });

  const newest = t.versions[0];
  const pages: PhotoPage[] = [];
  for (const p of newest?.photos ?? []) {
    const photo = await store.photo(p.sha256);
    if (!photo) continue;
    const where = await crops.page(p.sha256, () => store.blobs.get(photo.location, photo.sha256));
    pages.push(
      where.found
        ? { sha256: p.sha256, found: true, page: where.page, fields: where.fields, reason: null }
        : { sha256: p.sha256, found: false, page: null, fields: [], reason: where.reason },
    );
  }

  return {
    tps: { code: t.code, name: t.name, level: 'tps' },
    parents: t.parents,
    ballot,
    dpt: t.dpt,
    state: review.state,
    latest: review.latest,
    counted: review.counted,
    reasons: review.reasons,
    fields,
    versions: t.versions.map((v) => ({
      version: v.version,
      kind: isCorrection(v.version) ? 'correction' : 'submission',
      corrects: kindOf.get(v.version)?.corrects ?? null,
      status: v.status,
      counted: v.version === review.counted,
      flags: v.flags,
      uploader: v.uploader,
      receivedAt: v.receivedAt,
      result: v.result,
      photos: v.photos,
    })),
    pages,
    ...out,
    anomalies: auditCurrent(t)?.own.findings ?? [],
  };
}

/** The catalogue error of a refusal of the store's review. */
function refusalError(r: ReviewRefusal): ApiError {
  return apiError(r.code, r.message, 'breaches' in r ? { breaches: r.breaches } : undefined);
}

export function registerOperatorRoutes(app: FastifyInstance, deps: OperatorRouteDeps): void {
  const { store } = deps;
  const crops = fieldCrops();

  const tpsParams = (req: FastifyRequest<{ Params: { code: string; ballot: string } }>) => {
    const code = parseTpsCode(req.params.code);
    if (!code)
      return { error: apiError('bad_code', `not a TPS code: ${quote(req.params.code, 40)}`) };
    const ballot = ballotOf({ ballot: req.params.ballot });
    if (!ballot.ok) return { error: ballot.error };
    return { code, ballot: ballot.value };
  };

  app.get('/api/operator/queue', async (req, reply) => {
    const q = QueueQuerySchema.safeParse(req.query);
    if (!q.success) return sendError(reply, malformed('query', q.error.issues));
    const region = parseRegionCode(q.data.region);
    if (!region)
      return sendError(
        reply,
        apiError('bad_code', `not a region code: ${quote(q.data.region, 40)}`),
      );
    const after = q.data.after === undefined ? undefined : parseTpsCode(q.data.after);
    if (q.data.after !== undefined && !after)
      return sendError(
        reply,
        apiError('bad_code', `after: not a TPS code: ${quote(q.data.after, 40)}`),
      );
    await requireOperator(req, 'view_review', { region });
    const recap = await store.regionResult(region, q.data.ballot);
    if (!recap)
      return sendError(reply, apiError('unknown_region', `no region ${region} in this election`));
    const states = q.data.state ? [q.data.state] : [...QUEUE_STATES];
    // One more than asked tells whether there is a next page.
    const rows = await store.reviewQueue({
      region,
      ballot: q.data.ballot,
      states,
      ...(after ? { after } : {}),
      limit: q.data.limit + 1,
    });
    const page = rows.slice(0, q.data.limit);
    const items: QueueItem[] = [];
    for (const r of page)
      items.push({
        tps: r.tps,
        name: r.name ?? (await store.tps(r.tps))?.name ?? r.tps,
        state: r.state,
        latest: r.latest ?? null,
        counted: r.counted ?? null,
        reasons: r.reasons,
      });
    const body: ReviewQueue = {
      region: { code: recap.code, name: recap.name, level: recap.level },
      ballot: q.data.ballot,
      states,
      items,
      next: rows.length > q.data.limit ? (page.at(-1)?.tps ?? null) : null,
      tpsTotal: recap.progress.tpsTotal,
      missing: recap.progress.tpsTotal - recap.progress.tpsReported,
    };
    return noStore(reply).send(body);
  });

  app.get<{ Params: { code: string; ballot: string } }>(
    '/api/operator/tps/:code/:ballot',
    async (req, reply) => {
      const p = tpsParams(req);
      if ('error' in p) return sendError(reply, p.error!);
      await requireOperator(req, 'view_review', { tps: p.code });
      const t = await store.tpsResult(p.code, p.ballot);
      if (!t) return sendError(reply, apiError('unknown_tps', `no TPS ${p.code} in this election`));
      return noStore(reply).send(await operatorTps(store, crops, t));
    },
  );

  for (const [path, spec] of Object.entries(ACTION_ROUTES) as [
    ActionPath,
    (typeof ACTION_ROUTES)[ActionPath],
  ][])
    app.post<{ Params: { code: string; ballot: string } }>(
      `/api/operator/tps/:code/:ballot/${path}`,
      async (req, reply) => {
        const p = tpsParams(req);
        if ('error' in p) return sendError(reply, p.error!);
        const account = await requireOperator(req, spec.action, { tps: p.code });
        const body = spec.schema.safeParse(req.body);
        if (!body.success) return sendError(reply, malformed('body', body.error.issues));
        const action = await toAction(store, p.code, p.ballot, path, body.data);
        if (!action.ok) return sendError(reply, action.error);
        const done = await store.review(action.value, { actor: accountActor(account.id) });
        if (!done.ok) return sendError(reply, refusalError(done.error));
        const t = await store.tpsResult(p.code, p.ballot);
        if (!t) throw new Error(`operator: TPS ${p.code} vanished after a review action`);
        const now = await operatorTps(store, crops, t);
        const answer: ReviewDone = {
          tps: p.code,
          ballot: p.ballot,
          state: now.state,
          latest: now.latest,
          counted: now.counted,
          reasons: now.reasons,
        };
        return noStore(reply).code(201).send(answer);
      },
    );

  app.get<{ Params: { sha256: string; file: string }; Querystring: { tps?: string } }>(
    '/api/operator/photo/:sha256/field/:file',
    async (req, reply) => {
      const tps = parseTpsCode(String(req.query.tps ?? ''));
      if (!tps) return sendError(reply, apiError('bad_code', 'tps: the TPS the photo belongs to'));
      const ballot = ballotOf(req.query);
      if (!ballot.ok) return sendError(reply, ballot.error);
      await requireOperator(req, 'view_review', { tps });
      const { sha256, file } = req.params;
      const path = file.endsWith('.jpg') ? file.slice(0, -'.jpg'.length) : '';
      const t = await store.tpsResult(tps, ballot.value);
      const ours = t?.versions.some((v) => v.photos.some((ph) => ph.sha256 === sha256));
      const photo = ours ? await store.photo(sha256) : undefined;
      if (!photo)
        return sendError(
          reply,
          apiError('unknown_photo', 404, `no photo ${quote(sha256, 70)} of TPS ${tps}`),
        );
      const jpeg = /^[a-z0-9.]{1,40}$/.test(path)
        ? await crops.crop(sha256, path, () => store.blobs.get(photo.location, photo.sha256))
        : undefined;
      // No page found in the photo (or not this field on it): the whole photo, as it is.
      if (!jpeg) return reply.redirect(`/api/v1/photos/${sha256}`, 302);
      return reply
        .header('content-type', 'image/jpeg')
        .header('cache-control', 'private, max-age=86400')
        .send(jpeg);
    },
  );
}

/** The store's review action for a request body; a correction's changes applied to the version. */
async function toAction(
  store: Store,
  tps: TpsCode,
  ballot: Ballot,
  path: ActionPath,
  body: unknown,
): Promise<{ ok: true; value: ReviewAction } | { ok: false; error: ApiError }> {
  const on = { tps, ballot };
  switch (path) {
    case 'confirm': {
      const b = ConfirmSchema.parse(body);
      return { ok: true, value: { type: 'confirm', ...on, version: b.version, reason: b.reason } };
    }
    case 'correct': {
      const b = CorrectSchema.parse(body);
      const t = await store.tpsResult(tps, ballot);
      const seen = t?.versions.find((v) => v.version === b.version);
      // Not the newest: the store answers stale_version; an unknown version, the same.
      const base = seen ?? t?.versions[0];
      if (!base)
        return { ok: false, error: apiError('unknown_tps', `TPS ${tps} has no result to correct`) };
      const contest = await store.contest(ballot);
      const paths = contest
        ? fieldPaths(voteKeys(contest))
        : fieldEntries(base.result).map(([p]) => p);
      const values = applyChanges(base.result, b.changes, paths);
      if (!values.ok)
        return {
          ok: false,
          error: apiError(
            'malformed_request',
            `body.changes: no field ${quote(values.path, 40)} on this form`,
          ),
        };
      return {
        ok: true,
        value: {
          type: 'correct',
          ...on,
          version: b.version,
          values: values.value,
          reason: b.reason,
          reference: b.reference,
        },
      };
    }
    case 'photo-request': {
      const b = PhotoRequestSchema.parse(body);
      return {
        ok: true,
        value: {
          type: 'request_photo',
          ...on,
          version: b.version,
          reason: b.reason,
          ...(b.pages ? { pages: b.pages } : {}),
        },
      };
    }
    case 'objection': {
      const b = ObjectionSchema.parse(body);
      return {
        ok: true,
        value: {
          type: 'object',
          ...on,
          version: b.version,
          text: b.text,
          ...(b.fields ? { fields: b.fields } : {}),
        },
      };
    }
    case 'objection-answer': {
      const b = ObjectionAnswerSchema.parse(body);
      return {
        ok: true,
        value: {
          type: 'answer_objection',
          ...on,
          version: b.version,
          objection: b.objection,
          reason: b.reason,
        },
      };
    }
  }
}
