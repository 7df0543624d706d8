// A generated batch of signal observations as a request.
import type { ObservationSpec, ObservationsSpec } from '../generators/observations.ts';
import type { RawAnswer, RawRequest } from '../http.ts';
import { authHeader, tpsText } from './credentials.ts';
import { type Kpps, parseJson, type Rig } from './rig.ts';

export function observationJson(
  o: ObservationSpec,
  own: Kpps,
  other: Kpps,
  now: number,
): { text: string; at?: string } {
  const entries: [string, string][] = [];
  entries.push(['tps', JSON.stringify(tpsText(o.tps, own, other))]);
  let at: string | undefined;
  switch (o.at.kind) {
    case 'recent':
      at = new Date(now - o.at.minutesAgo * 60_000).toISOString();
      break;
    case 'slightFuture':
      at = new Date(now + o.at.seconds * 1000).toISOString();
      break;
    case 'future':
      at = new Date(now + o.at.minutes * 60_000).toISOString();
      break;
    case 'fixed':
      at = o.at.iso;
      break;
  }
  entries.push(['at', at === undefined ? (o.at as { json: string }).json : JSON.stringify(at)]);
  const p = o.position;
  if (p.kind === 'inside' || p.kind === 'outside')
    entries.push(['lat', String(p.lat)], ['lng', String(p.lng)]);
  if (p.kind === 'raw') entries.push(['lat', p.lat], ['lng', p.lng]);
  if (p.kind === 'half') entries.push(['lat', String(p.lat)]);
  if (o.accuracyM !== null) entries.push(['accuracyM', o.accuracyM]);
  entries.push(
    ['connection', JSON.stringify(o.connection)],
    ['rttMs', o.rttMs],
    ['uploadKbps', o.uploadKbps],
  );
  if (o.bytes !== null) entries.push(['bytes', o.bytes]);
  entries.push(['ok', o.ok]);
  if (o.extra) entries.push([o.extra[0], o.extra[1]]);
  const kept = entries.filter(([k]) => k !== o.drop);
  return {
    text: `{${kept.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`,
    ...(at ? { at } : {}),
  };
}

export async function buildObservations(
  rig: Rig,
  s: ObservationsSpec,
  own: Kpps,
  otherOf: () => Promise<Kpps>,
) {
  const { json } = rig;
  const auth = await authHeader(rig, s.auth, own, otherOf);
  const other = await otherOf();
  const now = Date.now();
  const valid: ObservationSpec = {
    tps: { kind: 'own' },
    at: { kind: 'recent', minutesAgo: 5 },
    position: { kind: 'inside', lat: -4.1, lng: 104.2 },
    connection: '3g',
    rttMs: '800',
    uploadKbps: '40',
    bytes: '1000',
    ok: 'true',
    accuracyM: '12',
    extra: null,
    drop: null,
  };
  let text: string;
  const sent: string[] = [];
  const b = s.body;
  if (b.kind === 'batch') {
    const items = b.items.map((o) => observationJson(o, own, other, now));
    for (const i of items) if (i.at) sent.push(i.at);
    text = `[${items.map((i) => i.text).join(',')}]`;
  } else if (b.kind === 'many' || b.kind === 'big') {
    const one = observationJson(valid, own, other, now);
    sent.push(one.at!);
    const count = b.kind === 'many' ? b.count : Math.ceil(b.size / one.text.length) + 1;
    text = `[${Array(count).fill(one.text).join(',')}]`;
  } else text = b.text;
  const count = b.kind === 'batch' ? b.items.length : b.kind === 'many' ? b.count : 0;
  const headers: [string, string][] = auth ? [auth] : [];
  if (s.contentType !== null) headers.push(['content-type', s.contentType]);
  const afterAccept = async (a: RawAnswer) => {
    const stored =
      a.kind === 'answer'
        ? (parseJson(a.body) as { stored?: number } | undefined)?.stored
        : undefined;
    if (stored !== count) return `stored ${String(stored)} of ${count}`;
    if (count === 0) return undefined;
    const r = await json(
      'GET',
      `/api/v1/signal/observations?region=${own.code.slice(0, 13)}`,
      null,
    );
    const shown =
      (r.body as { observations?: { tps: string; at: string }[] } | undefined)?.observations ?? [];
    return shown.some((o) => o.tps === own.code && sent.includes(o.at))
      ? undefined
      : `none of the ${count} observations of ${own.code} is in GET /api/v1/signal/observations (${shown.length} shown)`;
  };
  return {
    req: {
      method: 'POST',
      target: '/api/v1/signal/observations',
      headers,
      body: Buffer.from(text, 'utf8'),
    } satisfies RawRequest,
    afterAccept,
  };
}
