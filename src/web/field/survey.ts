// Survey mode (#/survei, issue 14): the KPPS officer, or the communications office with the TPS's
// token, stands at the TPS days before the vote and presses "Ukur sekarang". The phone measures
// its position and accuracy, the connection type, the round trip to the server (3 pings, the
// median) and a timed 32 KiB upload to POST /api/v1/signal/probe, and keeps the result as a
// signal observation with source `survey` in the same table the sender sends from: with no
// signal it waits on the phone and is sent when the signal returns, like every other observation.
// The screen lists the measurements of the TPS in words and how many wait to be sent, and advises
// measuring 3 times at different hours. `measure` takes the browser's parts as arguments, so the
// measurement is tested in Node (survey.test.ts) as well as in Chromium.
import { liveQuery } from 'dexie';
import { rateObservation } from '../../core/connectivity.ts';
import { err, ok, type Result } from '../../core/result.ts';
import {
  OBSERVATION_BOUNDS,
  OBSERVATION_LIMITS,
  SignalProbeSchema,
  type Connection,
} from '../../contract/kpps.ts';
import { h, patch } from '../shared/dom.ts';
import { formatNumber, formatTime, translate, type Lang } from '../shared/i18n.ts';
import { parseAnswer, refusalOf } from './answers.ts';
import { button, device, link, show, type App } from './app.ts';
import type { Observation } from './db.ts';
import { currentLang, t } from './i18n.ts';
import { failureText, problemText } from './problems.ts';
import { connectionType } from './sender.ts';
import { FIELD_STRINGS, type Key } from './strings.ts';

/** The timed upload: big enough to time on weak signal, well under the probe's 64 KiB. */
export const PROBE_BYTES = 32 * 1024;
/** Round trips timed; the median is kept. */
export const PINGS = 3;
/** GPS may take this long for a fix (the browser counts from the permission, not the prompt). */
const POSITION_TIMEOUT_MS = 20_000;
/** Past this the position is given up even if the browser never answers (a prompt ignored). */
const POSITION_GIVE_UP_MS = POSITION_TIMEOUT_MS + 10_000;
const PING_TIMEOUT_MS = 15_000;
const UPLOAD_TIMEOUT_MS = 60_000;
/** The survey advises this many measurements, at different hours. */
export const ADVISED_MEASUREMENTS = 3;

export type Position = { lat: number; lng: number; accuracyM: number };
export type PositionProblem = 'denied' | 'unavailable' | 'timeout' | 'unsupported' | 'outside';

/** What the phone's fix is worth keeping as: rounded to about a metre, refused if absurd. */
export function positionOf(c: {
  latitude: number;
  longitude: number;
  accuracy: number;
}): Result<Position, PositionProblem> {
  const { lat, lng } = OBSERVATION_BOUNDS;
  const inside =
    c.latitude >= lat.min &&
    c.latitude <= lat.max &&
    c.longitude >= lng.min &&
    c.longitude <= lng.max;
  // The server refuses a batch holding a position it cannot take: such a fix is left out here.
  if (!inside || !(c.accuracy >= 0) || c.accuracy > OBSERVATION_LIMITS.accuracyM)
    return err('outside');
  return ok({
    lat: Math.round(c.latitude * 1e5) / 1e5,
    lng: Math.round(c.longitude * 1e5) / 1e5,
    accuracyM: Math.round(c.accuracy),
  });
}

/** The phone's position now, with high accuracy, or why there is none. */
export function currentPosition(
  geo: Geolocation | undefined = navigator.geolocation,
): Promise<Result<Position, PositionProblem>> {
  if (!geo) return Promise.resolve(err('unsupported'));
  return new Promise((resolve) => {
    const giveUp = setTimeout(() => resolve(err('timeout')), POSITION_GIVE_UP_MS);
    const done = (r: Result<Position, PositionProblem>) => {
      clearTimeout(giveUp);
      resolve(r);
    };
    try {
      geo.getCurrentPosition(
        (p) => done(positionOf(p.coords)),
        (e) =>
          done(
            err(
              e.code === e.PERMISSION_DENIED
                ? 'denied'
                : e.code === e.TIMEOUT
                  ? 'timeout'
                  : 'unavailable',
            ),
          ),
        { enableHighAccuracy: true, timeout: POSITION_TIMEOUT_MS, maximumAge: 0 },
      );
    } catch {
      done(err('unsupported'));
    }
  });
}

/** The middle value (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Upload speed from the bytes and the time the request took to be answered (latency included,
 * as an officer sending a result experiences it), kbit/s; within the bounds the server takes.
 */
export function uploadKbps(bytes: number, ms: number): number {
  const kbps = Math.round((bytes * 8) / Math.max(ms, 1));
  return Math.min(kbps, OBSERVATION_LIMITS.uploadKbps);
}

/** What the measurement needs of the browser: passed in, so that tests give their own. */
export type SurveyDeps = {
  fetch: typeof fetch;
  position: () => Promise<Result<Position, PositionProblem>>;
  online: () => boolean;
  connection: () => Connection;
  /** A monotonic clock in milliseconds (performance.now). */
  timer: () => number;
  clock: () => Date;
  /** `n` random bytes: the upload is not compressible on the way. */
  randomBytes: (n: number) => Uint8Array<ArrayBuffer>;
};

export const browserDeps = (): SurveyDeps => ({
  fetch: (input, init) => fetch(input, init),
  position: () => currentPosition(),
  online: () => navigator.onLine,
  connection: connectionType,
  timer: () => performance.now(),
  clock: () => new Date(),
  randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
});

type Network = Pick<Observation, 'connection' | 'rttMs' | 'uploadKbps' | 'bytes' | 'ok'>;

/** A refusal of the server (not a matter of signal), in the officer's words. */
function refusalText(status: number, text: string, lang: Lang): string {
  const body = refusalOf(text);
  if (body) return `${body.text[lang]} (${body.message})`;
  return `${problemText(status >= 500 ? 'send_failed' : 'server_refused')} (HTTP ${status})`;
}

/**
 * The network half of a measurement: connection type, the median of the pings, the timed upload.
 * Offline, or when a request gets no answer, it went not through: `ok` false, no times. An
 * answer that refuses (a revoked token, the hourly quota, the server's own trouble) says nothing
 * about the signal: it is the error, and nothing is kept.
 */
async function network(
  token: string,
  deps: SurveyDeps,
  lang: Lang,
): Promise<Result<Network, string>> {
  const had = deps.connection();
  const failed = (): Network => ({
    connection: deps.online() ? had : 'none',
    rttMs: null,
    uploadKbps: null,
    bytes: 0,
    ok: false,
  });
  if (!deps.online()) return ok(failed());
  try {
    const rtts: number[] = [];
    for (let i = 0; i < PINGS; i++) {
      const t0 = deps.timer();
      const res = await deps.fetch('/healthz', {
        cache: 'no-store',
        signal: AbortSignal.timeout(PING_TIMEOUT_MS),
      });
      const text = await res.text();
      if (!res.ok) return err(refusalText(res.status, text, lang));
      rtts.push(deps.timer() - t0);
    }
    const body = deps.randomBytes(PROBE_BYTES);
    const u0 = deps.timer();
    const res = await deps.fetch('/api/v1/signal/probe', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      body,
      cache: 'no-store',
      signal: AbortSignal.timeout(UPLOAD_TIMEOUT_MS),
    });
    const text = await res.text();
    const ms = deps.timer() - u0;
    if (res.status !== 200) return err(refusalText(res.status, text, lang));
    const answer = parseAnswer(SignalProbeSchema, text, 'probe answer');
    // The upload counts only if all of it arrived (a proxy in the way may answer otherwise).
    if (!answer.ok || answer.value.received !== body.length) return ok(failed());
    return ok({
      connection: had,
      rttMs: Math.min(Math.round(median(rtts)), OBSERVATION_LIMITS.rttMs),
      uploadKbps: uploadKbps(body.length, ms),
      bytes: body.length,
      ok: true,
    });
  } catch {
    return ok(failed());
  }
}

export type Measured = { observation: Observation; positionProblem?: PositionProblem };

/**
 * One measurement at the TPS of `dev`: position and network together (the GPS may take its 20
 * seconds while the pings run). The observation to keep, or the server's refusal.
 */
export async function measure(
  dev: { tps: string; token: string },
  deps: SurveyDeps,
  lang: Lang,
): Promise<Result<Measured, string>> {
  const at = deps.clock().toISOString();
  const [where, net] = await Promise.all([deps.position(), network(dev.token, deps, lang)]);
  if (!net.ok) return net;
  const observation: Observation = {
    tps: dev.tps,
    token: dev.token,
    at,
    ...(where.ok ? where.value : {}),
    ...net.value,
    source: 'survey',
    sent: 0,
  };
  return ok({ observation, ...(where.ok ? {} : { positionProblem: where.error }) });
}

const CONNECTION_NAMES: Partial<Record<Connection, string>> = {
  '2g': '2G',
  '3g': '3G',
  '4g': '4G',
  '5g': '5G',
  wifi: 'Wi-Fi',
};

/**
 * A measurement in words: "Sinyal baik: 4G, 180 ms, 1.200 kbit/s", "Sinyal lemah: 2G, ...",
 * "Tidak ada sinyal — tersimpan, akan dikirim nanti". Good and weak are the blank-spot map's own
 * rating of the observation (src/core/connectivity.ts).
 */
export function surveyWords(
  o: Pick<
    Observation,
    'at' | 'connection' | 'rttMs' | 'uploadKbps' | 'ok' | 'sent' | 'lat' | 'lng' | 'accuracyM'
  >,
  lang: Lang,
): string {
  const tr = (k: Key) => translate(FIELD_STRINGS, lang, k);
  const rating = rateObservation({ ...o, source: 'survey' });
  if (rating === 'none')
    return `${tr('surveyNone')} — ${tr(o.sent ? 'surveySent' : 'surveyQueued')}`;
  const parts = [
    CONNECTION_NAMES[o.connection] ?? tr('surveyConnUnknown'),
    o.rttMs === null ? null : `${formatNumber(o.rttMs)} ms`,
    o.uploadKbps === null ? null : `${formatNumber(o.uploadKbps)} kbit/s`,
  ].filter((p) => p !== null);
  return `${tr(rating === 'good' ? 'surveyGood' : 'surveyWeak')}: ${parts.join(', ')}`;
}

/**
 * The advice after `ats` (the times of the measurements so far): how many, at how many different
 * hours of the day (the officer's clock), and whether that is the 3 advised.
 */
export function surveyAdvice(
  ats: readonly string[],
): { key: 'surveyMore' | 'surveyEnough'; n: number; hours: number } | null {
  if (ats.length === 0) return null;
  const hours = new Set(ats.map((a) => new Date(a).getHours())).size;
  return {
    key: hours >= ADVISED_MEASUREMENTS ? 'surveyEnough' : 'surveyMore',
    n: ats.length,
    hours,
  };
}

/** One measurement in the list: when, what, where from, and whether it was sent. */
function measurementItem(o: Observation): HTMLElement {
  const lang = currentLang();
  const rating = rateObservation({ ...o, source: 'survey' });
  return h(
    'li',
    {
      class: `item survey-item rating-${rating}`,
      'data-testid': 'survey-item',
      'data-rating': rating,
      'data-ok': String(o.ok),
      'data-sent': String(o.sent === 1),
    },
    h('p', null, h('strong', null, surveyWords(o, lang))),
    h(
      'p',
      { class: 'small muted' },
      formatTime(o.at, lang),
      ' · ',
      o.accuracyM === undefined
        ? t('surveyNoPosition')
        : t('surveyAccuracy', { m: formatNumber(o.accuracyM) }),
      o.ok ? ` · ${o.sent ? t('surveySent') : t('surveyQueued')}` : '',
    ),
  );
}

export async function renderSurvey(app: App): Promise<void> {
  const dev = await device(app);
  // Training has no token and sends nothing: the survey is for the enrolled TPS.
  if (dev?.mode !== 'live') {
    location.hash = '#/';
    return;
  }
  const status = h('p', {
    id: 'survey-status',
    class: 'big-status',
    role: 'status',
    'aria-live': 'polite',
  });
  const note = h('p', { id: 'survey-note', class: 'small warn', role: 'alert' });
  const waiting = h('p', { id: 'survey-waiting', 'data-testid': 'survey-waiting' });
  const advice = h('p', { id: 'survey-advice', class: 'small' });
  const list = h('ul', { class: 'outbox survey-list', 'aria-labelledby': 'survey-list-title' });
  const measureButton = button(t('surveyMeasure'), () => void measureNow(), {
    id: 'survey-measure',
    class: 'primary big',
  });

  /** The measurement the status speaks of, so that it says so again once it is sent. */
  let latest: number | undefined;

  async function measureNow(): Promise<void> {
    measureButton.disabled = true;
    measureButton.textContent = t('surveyMeasuring');
    status.textContent = t('surveyMeasuring');
    note.textContent = '';
    latest = undefined;
    try {
      const r = await measure(dev!, browserDeps(), currentLang());
      if (!r.ok) {
        status.textContent = t('surveyRefused', { m: r.error });
        return;
      }
      const { observation, positionProblem } = r.value;
      latest = await app.db.observations.add(observation);
      status.textContent = surveyWords(observation, currentLang());
      if (positionProblem) note.textContent = t(`surveyPos_${positionProblem}` satisfies Key);
      app.sender.kick();
    } catch (e) {
      status.textContent = failureText(e, 'storage_full');
    } finally {
      measureButton.disabled = false;
      measureButton.textContent = t('surveyMeasure');
    }
  }

  const draw = (mine: Observation[]) => {
    const queued = mine.filter((o) => o.sent === 0).length;
    waiting.textContent =
      mine.length === 0
        ? t('surveyEmpty')
        : queued
          ? t('surveyWaiting', { n: queued })
          : t('surveyAllSent');
    waiting.dataset.waiting = String(queued);
    const a = surveyAdvice(mine.map((o) => o.at));
    advice.textContent = a ? t(a.key, { n: a.n, h: a.hours }) : '';
    patch(list, mine.toReversed().map(measurementItem));
    const last = mine.find((o) => o.id === latest);
    const words = last && surveyWords(last, currentLang());
    if (words && status.textContent !== words) status.textContent = words;
  };

  show(
    app,
    h('h1', null, t('survey')),
    h('p', { class: 'muted', 'data-testid': 'device' }, `TPS ${dev.tps}`),
    h('p', { class: 'small' }, t('surveyHelp')),
    measureButton,
    status,
    note,
    h('h2', { id: 'survey-list-title' }, t('surveyListTitle')),
    waiting,
    advice,
    list,
    link('#/', t('home'), 'btn'),
  );

  // Drawn again whenever the observations change (a measurement kept, a batch sent), for as long
  // as this screen is the one shown.
  const tps = dev.tps;
  const sub = liveQuery(() =>
    app.db.observations.filter((o) => o.source === 'survey' && o.tps === tps).toArray(),
  ).subscribe({
    next: (mine) => {
      if (!list.isConnected) sub.unsubscribe();
      else draw(mine);
    },
    error: () => undefined,
  });
}
