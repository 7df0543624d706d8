// The ingest load: multipart POST bodies for every demo TPS, built ahead so that the load
// generator only copies bytes per request. Requests cycle through the TPS in order, so after one
// pass every further request is a new version (a resubmission) of a TPS, with other numbers and a
// new photo; every result is consistent and its DPT equals the TPS's registered DPT (clean).
import type { Request, RequestParams } from 'autocannon';
import type { CHasil } from '../src/core/chasil.ts';
import { checkRules } from '../src/core/rules.ts';
import { consistentResult } from '../src/synth/results.ts';
import { DEMO_SEED, demoElection } from '../src/demo/okutimur.ts';
import { writeStamp, type StampablePhoto } from './photo.ts';

const BOUNDARY = '----rekap-bench-7d1f0c9a4b2e';
/** Different results per TPS, used in turn by its successive versions. */
const VARIANTS = 4;

export type TpsLoad = {
  code: string;
  path: string;
  headers: Record<string, string>;
  /** The multipart head up to the photo's bytes, one per variant. */
  prefixes: Buffer[];
};

/** Registered DPT per TPS of the demo election (deterministic, the same as the server's). */
export function demoDpt(): Map<string, number | null> {
  return new Map(demoElection({ seed: DEMO_SEED }).tps.map((t) => [t.code, t.dpt]));
}

function hash(s: string): number {
  let h = 2166136261;
  for (const ch of s) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}

/** A clean C.Hasil for a TPS with `dpt` registered voters; `variant` changes turnout and shares. */
export function resultFor(code: string, dpt: number, variant: number): CHasil {
  const h = hash(`${code}/${variant}`);
  const dptL = Math.floor(dpt / 2);
  const dptP = dpt - dptL;
  const turnout = 0.7 + (h % 20) / 100; // 70-89 %
  const votesL = Math.round(dptL * turnout);
  const votesP = Math.round(dptP * turnout);
  const used = votesL + votesP;
  const invalid = Math.min(used, 2 + ((h >>> 8) % 9));
  const valid = used - invalid;
  const s1 = 0.2 + ((h >>> 12) % 15) / 100;
  const s3 = 0.12 + ((h >>> 20) % 10) / 100;
  const v1 = Math.round(valid * s1);
  const v3 = Math.round(valid * s3);
  return consistentResult({
    dptL,
    dptP,
    votesL,
    votesP,
    invalid,
    votes: { '1': v1, '2': valid - v1 - v3, '3': v3 },
  });
}

function prefixFor(result: CHasil): Buffer {
  return Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="result"\r\n\r\n` +
      `${JSON.stringify(result)}\r\n` +
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="photo"; filename="c-hasil.jpg"\r\n` +
      'Content-Type: image/jpeg\r\n\r\n',
    'utf8',
  );
}
const SUFFIX = Buffer.from(`\r\n--${BOUNDARY}--\r\n`, 'latin1');

/** Prepares the load of every TPS that has a token. Throws if a built result would be flagged. */
export function buildTpsLoads(tokens: Map<string, string>): TpsLoad[] {
  const dpts = demoDpt();
  const loads: TpsLoad[] = [];
  for (const [code, token] of tokens) {
    const dpt = dpts.get(code);
    if (dpt === undefined)
      throw new Error(`TPS ${code} has a token but is not in the demo election`);
    const prefixes: Buffer[] = [];
    for (let v = 0; v < VARIANTS; v++) {
      const result = resultFor(code, dpt ?? 250, v);
      const flags = checkRules(result, { ballot: 'ppwp', registeredDpt: dpt });
      if (flags.length > 0)
        throw new Error(
          `bench bug: result for ${code} breaks ${flags.map((f) => f.rule).join(', ')}`,
        );
      prefixes.push(prefixFor(result));
    }
    loads.push({
      code,
      path: `/api/v1/tps/${code}/submissions?ballot=ppwp`,
      headers: {
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
        authorization: `Bearer ${token}`,
      },
      prefixes,
    });
  }
  if (loads.length === 0) throw new Error('no TPS to submit for');
  return loads;
}

export type ResponseTally = { created: number; duplicate: number; clean: number; flagged: number };

/**
 * The generator of submissions for one server. Its counter runs on across benchmark phases, so a
 * photo is never sent twice and later phases continue the cycle of resubmissions.
 */
export class IngestGenerator {
  private next = 0;
  readonly tally: ResponseTally = { created: 0, duplicate: 0, clean: 0, flagged: 0 };

  constructor(
    private readonly loads: TpsLoad[],
    private readonly photo: StampablePhoto,
  ) {}

  get sent(): number {
    return this.next;
  }

  /** The body and request line of the `i`-th submission. */
  build(i: number): RequestParams {
    const n = this.loads.length;
    const load = this.loads[i % n]!;
    const round = Math.floor(i / n);
    const prefix = load.prefixes[round % load.prefixes.length]!;
    const body = Buffer.concat(
      [prefix, this.photo.bytes, SUFFIX],
      prefix.length + this.photo.bytes.length + SUFFIX.length,
    );
    writeStamp(body, prefix.length + this.photo.stampOffset, i);
    return { method: 'POST', path: load.path, headers: load.headers, body };
  }

  /** The next submission in the cycle. */
  take(): RequestParams {
    return this.build(this.next++);
  }

  /** autocannon's `requests`: each request takes the next submission in the cycle. */
  requests(): Request[] {
    return [
      {
        setupRequest: (req) => ({ ...req, ...this.take() }),
        onResponse: (status, body) => {
          if (status === 201) this.tally.created++;
          else if (status === 200) this.tally.duplicate++;
          if (status < 300) {
            if (body.includes('"status":"clean"')) this.tally.clean++;
            else this.tally.flagged++;
          }
        },
      },
    ];
  }
}
