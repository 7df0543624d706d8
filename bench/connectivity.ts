// The blank-spot map at national size: `npm run bench:connectivity [-- --tps 823000] [--seed 14]`.
//
// A synthetic nation of N TPS (823,000 at the full size, as many as KPU set up in 2024) over
// Indonesia's islands (rough land boxes, each with its share of the TPS and of the 514 kabupaten),
// clustered in towns (14 kecamatan centres per kabupaten; 60% of the TPS in a town, the rest
// rural). Blank spots are areas: zones of 3-14 km radius in the countryside, more of them and larger
// on the outer islands; a TPS deep in one is a blank spot (sometimes weak), at its rim weak or a
// blank spot, outside mostly good (Bawaslu counted 36,236 TPS with internet problems in 2024,
// 4.4%). Each TPS has 3-5 observations: a survey at the TPS for most, send attempts on
// the days before and on election day, and, at a blank spot, now and then a send that went through
// on the way to town (a candidate sending point for its neighbours).
//
// Generated one kabupaten at a time (its observations as objects, thrown away after), so memory
// holds only the compact columns that outlive a kabupaten: the candidates (typed arrays) and the
// weak and blank-spot TPS to plan. For each kabupaten every TPS is classified (classifyTps, timed
// alone); then one SendingPoints index over all the candidates (timed) and the nearest sending
// point of every weak and blank-spot TPS (timed). A sample of the plan is checked against brute
// force. Results: bench/results/connectivity.json and connectivity.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  classifyTps,
  distanceKm,
  type Connection,
  type ConnectivityClass,
  type LatLng,
  type Observed,
} from '../src/core/connectivity.ts';
import { createRandom, type Random } from '../src/core/random.ts';
import {
  PLAN_LIMITS,
  SendingPoints,
  isCandidate,
  travelMinutes,
} from '../src/core/sending-plan.ts';
import { machine } from './report.ts';

const { values: args } = parseArgs({
  options: {
    tps: { type: 'string', default: '823000' },
    seed: { type: 'string', default: '14' },
    out: { type: 'string', default: join(import.meta.dirname, 'results') },
  },
  strict: true,
});

/** Election day, 17:00 WIB: counting under way, most results sent. */
const NOW = new Date('2024-02-14T10:00:00Z');
const DAY_MS = 24 * 60 * 60 * 1000;
const KM_PER_DEG = 111.195;
const TOWNS_PER_KAB = 14;
const TOWN_SHARE = 0.6;
/** Spread of a town's TPS around its centre, and of the rural ones, km. */
const TOWN_SD_KM = 1.5;
const RURAL_SD_KM = 8;
/** About how many TPS a blank-spot zone holds (to size the zones' number by the island's share). */
const ZONE_TPS = 8;
const SURVEYED_SHARE = 0.7;
/** TPS whose phones were last heard from weeks ago and never surveyed (class unknown, mostly). */
const QUIET_SHARE = 0.03;

type Island = {
  name: string;
  box: [minLng: number, minLat: number, maxLng: number, maxLat: number];
  kabupaten: number;
  tpsShare: number;
  /** About the share of its TPS in blank-spot zones (their number is set by it, their size grows
   *  with it), and the share of weak sites outside the zones. */
  blank: number;
  /** Spread of a kabupaten's towns around its centre, km. */
  spreadKm: number;
};

const ISLANDS: Island[] = [
  {
    name: 'Sumatra',
    box: [95.3, -5.9, 106, 5.6],
    kabupaten: 154,
    tpsShare: 0.21,
    blank: 0.04,
    spreadKm: 20,
  },
  {
    name: 'Jawa',
    box: [105.2, -8.8, 114.6, -5.9],
    kabupaten: 119,
    tpsShare: 0.55,
    blank: 0.012,
    spreadKm: 12,
  },
  {
    name: 'Bali dan Nusa Tenggara',
    box: [114.4, -10.9, 125.2, -8.1],
    kabupaten: 41,
    tpsShare: 0.055,
    blank: 0.05,
    spreadKm: 15,
  },
  {
    name: 'Kalimantan',
    box: [108.8, -4.2, 119, 4.3],
    kabupaten: 56,
    tpsShare: 0.06,
    blank: 0.08,
    spreadKm: 30,
  },
  {
    name: 'Sulawesi',
    box: [118.8, -5.6, 125.3, 1.8],
    kabupaten: 81,
    tpsShare: 0.07,
    blank: 0.06,
    spreadKm: 18,
  },
  {
    name: 'Maluku',
    box: [124, -8.3, 134.9, 2.6],
    kabupaten: 21,
    tpsShare: 0.015,
    blank: 0.1,
    spreadKm: 20,
  },
  {
    name: 'Papua',
    box: [130.8, -9.1, 141, -0.3],
    kabupaten: 42,
    tpsShare: 0.04,
    blank: 0.2,
    spreadKm: 35,
  },
];

const CONNECTIONS: Connection[] = ['none', '2g', '3g', '4g', '5g', 'wifi', 'unknown'];
const CLASSES: ConnectivityClass[] = ['good', 'weak', 'none', 'unknown'];
type Site = 'good' | 'weak' | 'none';
const SITES: Site[] = ['good', 'weak', 'none'];

/** A growable typed-array column. */
class Column<A extends Float64Array | Uint32Array | Uint8Array> {
  length = 0;
  constructor(
    public data: A,
    private readonly make: (n: number) => A,
  ) {}
  push(v: number) {
    if (this.length === this.data.length) {
      const next = this.make(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  view(): A {
    return this.data.subarray(0, this.length) as A;
  }
  get bytes() {
    return this.data.byteLength;
  }
}
const f64 = (n: number) => new Column(new Float64Array(n), (m) => new Float64Array(m));
const u32 = (n: number) => new Column(new Uint32Array(n), (m) => new Uint32Array(m));
const u8 = (n: number) => new Column(new Uint8Array(n), (m) => new Uint8Array(m));

type Kabupaten = { island: Island; lat: number; lng: number; tps: number; firstTps: number };

/** The kabupaten with their centres and TPS counts, summing to n. */
function kabupaten(rnd: Random, n: number): Kabupaten[] {
  const out: Kabupaten[] = [];
  const weights: number[] = [];
  for (const island of ISLANDS) {
    const [minLng, minLat, maxLng, maxLat] = island.box;
    for (let k = 0; k < island.kabupaten; k++) {
      out.push({
        island,
        lat: rnd.uniform(minLat, maxLat),
        lng: rnd.uniform(minLng, maxLng),
        tps: 0,
        firstTps: 0,
      });
      weights.push((island.tpsShare / island.kabupaten) * rnd.uniform(0.5, 1.5));
    }
  }
  const total = weights.reduce((a, b) => a + b, 0);
  let given = 0;
  out.forEach((k, i) => {
    k.tps = Math.floor((n * (weights[i] as number)) / total);
    given += k.tps;
  });
  for (let i = 0; given < n; i = (i + 1) % out.length, given++) (out[i] as Kabupaten).tps++;
  let first = 0;
  for (const k of out) {
    k.firstTps = first;
    first += k.tps;
  }
  return out;
}

const along = (a: LatLng, b: LatLng, f: number) => ({
  lat: a.lat + (b.lat - a.lat) * f,
  lng: a.lng + (b.lng - a.lng) * f,
});

const offset = (lat: number, lng: number, northKm: number, eastKm: number) => ({
  lat: lat + northKm / KM_PER_DEG,
  lng: lng + eastKm / (KM_PER_DEG * Math.cos((lat * Math.PI) / 180)),
});

/** One observation of a site's signal, made at `where` (undefined: the phone gave no position). */
function measure(
  rnd: Random,
  site: Site,
  source: Observed['source'],
  atMs: number,
  where: { lat: number; lng: number; accuracyM: number } | undefined,
): Observed {
  const o: Observed = {
    at: new Date(atMs).toISOString(),
    source,
    connection: 'unknown',
    rttMs: null,
    uploadKbps: null,
    ok: true,
    ...where,
  };
  const fails = site === 'none' ? 0.9 : site === 'weak' ? 0.25 : 0.02;
  if (rnd.chance(fails)) {
    o.ok = false;
    o.connection = site === 'none' && rnd.chance(0.7) ? 'none' : rnd.pick(['2g', '3g', 'unknown']);
    return o;
  }
  if (site === 'good' || (site === 'weak' && rnd.chance(0.3))) {
    o.connection = rnd.pick(['4g', '4g', '4g', '3g', 'wifi', '5g']);
    o.rttMs = Math.round(rnd.uniform(80, 900));
    o.uploadKbps = Math.round(rnd.uniform(300, 8000));
  } else {
    // Weak, or a blank spot's rare attempt that went through: 2G, or slow.
    o.connection = rnd.chance(0.4) ? '2g' : '3g';
    o.rttMs = Math.round(rnd.uniform(900, 4000));
    o.uploadKbps = Math.round(rnd.uniform(20, 250));
  }
  if (source === 'survey')
    o.signalDbm = Math.round(site === 'good' ? rnd.uniform(-100, -60) : rnd.uniform(-118, -95));
  return o;
}

const sec = (ms: number) => Math.round(ms) / 1000;
const mib = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

function main() {
  const n = Number(args.tps);
  if (!Number.isInteger(n) || n < 1000) throw new Error('--tps: an integer of at least 1000');
  const rnd = createRandom(Number(args.seed)).fork('connectivity');
  const loadBefore = loadavg()[0]!;
  const t0 = performance.now();
  const kabs = kabupaten(rnd, n);
  // What outlives a kabupaten: the candidates and the TPS to plan, in columns.
  const cand = {
    lat: f64(1 << 20),
    lng: f64(1 << 20),
    by: u32(1 << 20),
    at: u32(1 << 20),
    conn: u8(1 << 20),
  };
  const plan = { lat: f64(1 << 16), lng: f64(1 << 16), tps: u32(1 << 16), cls: u8(1 << 16) };
  const counts: Record<ConnectivityClass, number> = { good: 0, weak: 0, none: 0, unknown: 0 };
  // Synthetic truth (rows: site) against the class found (columns), to see the rules sort them.
  const truth = Object.fromEntries(
    SITES.map((s) => [s, { good: 0, weak: 0, none: 0, unknown: 0 }]),
  ) as Record<Site, Record<ConnectivityClass, number>>;
  let observations = 0;
  let generateMs = 0;
  let classifyMs = 0;
  const EPOCH_MS = Date.UTC(2024, 0, 1);
  let done = 0;
  let k = 0;
  for (const kab of kabs) {
    const g0 = performance.now();
    const kr = rnd.fork(k++);
    const towns = Array.from({ length: TOWNS_PER_KAB }, () =>
      offset(
        kab.lat,
        kab.lng,
        kr.normal(0, kab.island.spreadKm),
        kr.normal(0, kab.island.spreadKm),
      ),
    );
    // Blank spots are areas (a valley, a hill's far side, a forest), not single TPS: zones in the
    // countryside around the towns, as many as the island's blank share asks for.
    const zones = Array.from(
      { length: Math.round((kab.island.blank * kab.tps * kr.uniform(0.6, 1.4)) / ZONE_TPS) },
      () => {
        // Away from the towns (a kecamatan centre has its tower): its edge 1-10 km out of town.
        const radiusKm = kr.uniform(3, 6 + 40 * kab.island.blank);
        let centre = towns[0]!;
        for (let tries = 0; tries < 10; tries++) {
          const town = kr.pick(towns);
          const away = radiusKm + kr.uniform(1, 10);
          const angle = kr.uniform(0, 2 * Math.PI);
          centre = offset(town.lat, town.lng, away * Math.cos(angle), away * Math.sin(angle));
          if (towns.every((t) => distanceKm(t, centre) > radiusKm + 1)) break;
        }
        return { ...centre, radiusKm };
      },
    );
    /** How deep inside a zone a point lies: 0 at its centre, 1 at its edge, above 1 outside. */
    const depth = (q: { lat: number; lng: number }) => {
      let d = Infinity;
      for (const z of zones) d = Math.min(d, distanceKm(q, z) / z.radiusKm);
      return d;
    };
    const batch: { obs: Observed[]; lat: number; lng: number; site: Site }[] = [];
    for (let i = 0; i < kab.tps; i++) {
      const town = kr.pick(towns);
      const sd = kr.chance(TOWN_SHARE) ? TOWN_SD_KM : RURAL_SD_KM;
      const p = offset(town.lat, town.lng, kr.normal(0, sd), kr.normal(0, sd));
      const inZone = depth(p);
      const roll = kr.next();
      // Deep inside a zone: a blank spot; at its rim: mostly weak; outside: mostly good.
      let site: Site = 'good';
      if (inZone < 0.7) site = 'none';
      else if (inZone < 1) site = roll < 0.2 ? 'none' : roll < 0.9 ? 'weak' : 'good';
      else if (roll < kab.island.blank) site = 'weak';
      const obs: Observed[] = [];
      const count = kr.int(3, 5);
      const quiet = kr.chance(QUIET_SHARE);
      const surveyed = !quiet && kr.chance(SURVEYED_SHARE);
      for (let j = 0; j < count; j++) {
        const near = (m: number) => ({
          ...offset(p.lat, p.lng, kr.normal(0, m / 1000), kr.normal(0, m / 1000)),
          accuracyM: Math.round(kr.uniform(m / 2, m * 2)),
        });
        if (surveyed && j === 0) {
          // A survey a few days before the election, at the TPS.
          const at = NOW.getTime() - kr.uniform(2, 10) * DAY_MS;
          obs.push(measure(kr, site, 'survey', at, near(kr.uniform(5, 40))));
          continue;
        }
        // Send attempts: most on election day, the rest (tests, the DPT upload) weeks before.
        const ageDays = quiet
          ? kr.uniform(10, 40)
          : kr.chance(0.6)
            ? kr.uniform(0, 0.4)
            : kr.uniform(1, 30);
        const at = NOW.getTime() - ageDays * DAY_MS;
        if (site === 'none' && kr.chance(0.2)) {
          // Sent on the way to town, where it went through: a candidate for the neighbours.
          // The first point on the way out of the zone, and a little farther.
          const toTown = distanceKm(p, town);
          let km = 0;
          while (km < toTown && depth(along(p, town, km / toTown)) < 1) km += 0.25;
          const f = toTown > 0 ? Math.min(1, (km + kr.uniform(0.2, 2)) / toTown) : 0;
          const where = {
            lat: p.lat + (town.lat - p.lat) * f,
            lng: p.lng + (town.lng - p.lng) * f,
            accuracyM: Math.round(kr.uniform(10, 300)),
          };
          obs.push(measure(kr, 'good', 'send', at, where));
          continue;
        }
        const roll2 = kr.next();
        // Positions: most near the TPS, some without one, some too inaccurate to use.
        const where =
          roll2 < 0.1
            ? undefined
            : roll2 < 0.15
              ? { ...near(50), accuracyM: 1200 }
              : near(kr.uniform(10, 120));
        obs.push(measure(kr, site, 'send', at, where));
      }
      batch.push({ obs, lat: p.lat, lng: p.lng, site });
    }
    const c0 = performance.now();
    generateMs += c0 - g0;
    const classes = new Array<ConnectivityClass>(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const t = batch[i]!;
      classes[i] = classifyTps(t.obs, NOW, t).class;
    }
    const c1 = performance.now();
    classifyMs += c1 - c0;
    // Columns for the plan (not timed: the store's reading of rows stands in for it).
    for (let i = 0; i < batch.length; i++) {
      const t = batch[i]!;
      const cls = classes[i]!;
      const tpsIndex = kab.firstTps + i;
      counts[cls]++;
      truth[t.site][cls]++;
      observations += t.obs.length;
      for (const o of t.obs) {
        if (!isCandidate(o)) continue;
        cand.lat.push(o.lat!);
        cand.lng.push(o.lng!);
        cand.by.push(tpsIndex);
        cand.at.push(Math.round((Date.parse(o.at) - EPOCH_MS) / 1000));
        cand.conn.push(CONNECTIONS.indexOf(o.connection));
      }
      if (cls === 'none' || cls === 'weak') {
        plan.lat.push(t.lat);
        plan.lng.push(t.lng);
        plan.tps.push(tpsIndex);
        plan.cls.push(cls === 'none' ? 0 : 1);
      }
    }
    generateMs += performance.now() - c1;
    done += kab.tps;
    if (k % 50 === 0 || done === n)
      process.stderr.write(
        `  ${done.toLocaleString('en-US')} of ${n.toLocaleString('en-US')} TPS classified\r`,
      );
  }
  process.stderr.write('\n');

  // The plan: one index over every candidate of the nation, one query per weak or blank-spot TPS.
  const starts = Uint32Array.from(kabs, (kb) => kb.firstTps);
  const tpsCode = (i: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    return `K${String(lo + 1).padStart(3, '0')}.${String(i - starts[lo]! + 1).padStart(4, '0')}`;
  };
  const cLat = cand.lat.view();
  const cLng = cand.lng.view();
  const cBy = cand.by.view();
  const cAt = cand.at.view();
  const cConn = cand.conn.view();
  const i0 = performance.now();
  const points = SendingPoints.fromColumns({
    lat: cLat,
    lng: cLng,
    describe: (i) => ({
      at: new Date(EPOCH_MS + cAt[i]! * 1000).toISOString(),
      by: tpsCode(cBy[i]!),
      connection: CONNECTIONS[cConn[i]!] ?? 'unknown',
    }),
  });
  const i1 = performance.now();
  const planned = plan.lat.length;
  const found = { none: 0, weak: 0 };
  const without = { none: 0, weak: 0 };
  // Distances of the answers, by class (a weak TPS's own good observations make many of its 0).
  const dist = { none: new Float64Array(planned), weak: new Float64Array(planned) };
  const direction: Record<string, number> = {};
  const pLat = plan.lat.view();
  const pLng = plan.lng.view();
  const pCls = plan.cls.view();
  for (let i = 0; i < planned; i++) {
    const sp = points.nearest({ lat: pLat[i]!, lng: pLng[i]! });
    const cls = pCls[i] === 0 ? 'none' : 'weak';
    if (!sp) {
      without[cls]++;
      continue;
    }
    dist[cls][found[cls]++] = sp.distanceKm;
    direction[sp.direction] = (direction[sp.direction] ?? 0) + 1;
  }
  const i2 = performance.now();
  const totalMs = i2 - t0;
  const maxRssKiB = process.resourceUsage().maxRSS;
  const loadAfter = loadavg()[0]!;

  // A sample of the plan against brute force over a box around the query (30 km fits in 0.3 deg).
  const check = createRandom(Number(args.seed)).fork('check');
  let agreed = 0;
  const SAMPLE = Math.min(200, planned);
  for (let s = 0; s < SAMPLE; s++) {
    const i = check.int(0, planned - 1);
    const q = { lat: pLat[i]!, lng: pLng[i]! };
    let best = Infinity;
    for (let c = 0; c < cLat.length; c++) {
      if (Math.abs(cLat[c]! - q.lat) > 0.3 || Math.abs(cLng[c]! - q.lng) > 0.3) continue;
      const d = distanceKm(q, { lat: cLat[c]!, lng: cLng[c]! });
      if (d <= PLAN_LIMITS.maxKm && d < best) best = d;
    }
    const got = points.nearest(q)?.distanceKm ?? Infinity;
    if (got === best || Math.abs(got - best) < 1e-9) agreed++;
  }

  const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
  const spread = (cls: 'none' | 'weak') => {
    const sorted = dist[cls].subarray(0, found[cls]).sort();
    const [p50, p90, max] = [0.5, 0.9, 1].map((q) => quantile(sorted, q));
    return {
      distanceKm: { p50: round(p50!, 2), p90: round(p90!, 2), max: round(max!, 2) },
      travelMinutes: { p50: round(travelMinutes(p50!)), p90: round(travelMinutes(p90!)) },
    };
  };
  const file = {
    benchmark: 'connectivity',
    date: new Date().toISOString(),
    machine: machine(),
    parameters: {
      tps: n,
      seed: Number(args.seed),
      now: NOW.toISOString(),
      kabupaten: kabs.length,
      townsPerKabupaten: TOWNS_PER_KAB,
      townShare: TOWN_SHARE,
      surveyedShare: SURVEYED_SHARE,
      quietShare: QUIET_SHARE,
      islands: ISLANDS.map(({ name, kabupaten, tpsShare, blank }) => ({
        name,
        kabupaten,
        tpsShare,
        blankSiteShare: blank,
      })),
      maxKm: PLAN_LIMITS.maxKm,
    },
    results: {
      tps: n,
      observations,
      candidates: points.size,
      planned,
      classes: counts,
      siteVsClass: truth,
      plan: {
        withSendingPoint: found,
        withoutSendingPoint: without,
        none: spread('none'),
        weak: spread('weak'),
        direction,
      },
      seconds: {
        generate: sec(generateMs),
        classify: sec(classifyMs),
        index: sec(i1 - i0),
        plan: sec(i2 - i1),
        total: sec(totalMs),
      },
      rates: {
        classifyTpsPerS: Math.round(n / (classifyMs / 1000)),
        observationsPerS: Math.round(observations / (classifyMs / 1000)),
        planQueriesPerS: Math.round(planned / ((i2 - i1) / 1000)),
      },
      memory: {
        maxRssMiB: mib(maxRssKiB * 1024),
        heapUsedMiB: mib(process.memoryUsage().heapUsed),
        candidateColumnsMiB: mib(
          cand.lat.bytes + cand.lng.bytes + cand.by.bytes + cand.at.bytes + cand.conn.bytes,
        ),
      },
      load: [round(loadBefore), round(loadAfter)],
      check: { sample: SAMPLE, agreedWithBruteForce: agreed },
    },
  };
  mkdirSync(args.out, { recursive: true });
  writeFileSync(join(args.out, 'connectivity.json'), `${JSON.stringify(file, null, 2)}\n`);
  writeFileSync(join(args.out, 'connectivity.md'), markdown(file));
  process.stderr.write(
    `connectivity bench: ${n.toLocaleString('en-US')} TPS, ${observations.toLocaleString('en-US')} observations: classify ${file.results.seconds.classify} s, index ${file.results.seconds.index} s, plan ${file.results.seconds.plan} s (${planned.toLocaleString('en-US')} TPS), total ${file.results.seconds.total} s, maxRSS ${file.results.memory.maxRssMiB} MiB\n`,
  );
  if (agreed !== SAMPLE)
    throw new Error(`plan check: ${agreed} of ${SAMPLE} agree with brute force`);
}

type Spread = {
  distanceKm: { p50: number; p90: number; max: number };
  travelMinutes: { p50: number; p90: number };
};

type File = {
  date: string;
  machine: ReturnType<typeof machine>;
  parameters: { tps: number; kabupaten: number; now: string };
  results: {
    tps: number;
    observations: number;
    candidates: number;
    planned: number;
    classes: Record<ConnectivityClass, number>;
    siteVsClass: Record<Site, Record<ConnectivityClass, number>>;
    plan: {
      withSendingPoint: Record<'none' | 'weak', number>;
      withoutSendingPoint: Record<'none' | 'weak', number>;
      none: Spread;
      weak: Spread;
    };
    seconds: Record<'generate' | 'classify' | 'index' | 'plan' | 'total', number>;
    rates: Record<string, number>;
    memory: { maxRssMiB: number; heapUsedMiB: number; candidateColumnsMiB: number };
    load: number[];
    check: { sample: number; agreedWithBruteForce: number };
  };
};

function markdown(f: File): string {
  const m = f.machine;
  const r = f.results;
  const fmt = (x: number) => x.toLocaleString('en-US');
  const pct = (x: number) => `${((100 * x) / r.tps).toFixed(1)}%`;
  const lines = [
    '# The blank-spot map at national size',
    '',
    'Generated by `npm run bench:connectivity` (bench/connectivity.ts). A synthetic nation of',
    `${fmt(r.tps)} TPS in ${f.parameters.kabupaten} kabupaten over Indonesia's islands, clustered in towns, 3-5`,
    'signal observations each (surveys, send attempts, sends on the way to town from blank spots),',
    'generated one kabupaten at a time. Every TPS classified with `classifyTps` (src/core/connectivity.ts)',
    `at ${f.parameters.now}; every weak and blank-spot TPS given its nearest sending point within 30 km`,
    '(`SendingPoints`, src/core/sending-plan.ts) from one index over all the candidates.',
    '',
    `${f.date}; ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, node ${m.node}, ${m.commit ?? ''}`,
    '',
    '| TPS | observations | candidates | planned TPS | classify s | index s | plan s | total s | peak RSS MiB | load |',
    '| --: | --: | --: | --: | --: | --: | --: | --: | --: | --- |',
    `| ${fmt(r.tps)} | ${fmt(r.observations)} | ${fmt(r.candidates)} | ${fmt(r.planned)} | ${r.seconds.classify} | ${r.seconds.index} | ${r.seconds.plan} | ${r.seconds.total} | ${r.memory.maxRssMiB} | ${r.load.join(' → ')} |`,
    '',
    `classify: the \`classifyTps\` calls alone (${fmt(r.rates.classifyTpsPerS ?? 0)} TPS/s, ${fmt(r.rates.observationsPerS ?? 0)} observations/s);`,
    `plan: ${fmt(r.rates.planQueriesPerS ?? 0)} nearest-point queries/s; total includes generating the`,
    `observations (${r.seconds.generate} s). Peak RSS: the kernel's maxRSS for the whole process, module loading included;`,
    `the candidate columns take ${r.memory.candidateColumnsMiB} MiB of it. Load: the 1-minute load average before and after`,
    '(2 cores: above 2, other work shared them).',
    '',
    '| class | TPS | share | of them from sites good / weak / blank |',
    '| --- | --: | --: | --- |',
    ...CLASSES.map(
      (c) =>
        `| ${c} | ${fmt(r.classes[c])} | ${pct(r.classes[c])} | ${SITES.map((s) => fmt(r.siteVsClass[s][c])).join(' / ')} |`,
    ),
    '',
    `Sending points: ${fmt(r.plan.withSendingPoint.none)} blank-spot and ${fmt(r.plan.withSendingPoint.weak)} weak TPS have one`,
    `(${fmt(r.plan.withoutSendingPoint.none)} and ${fmt(r.plan.withoutSendingPoint.weak)} have none within 30 km).`,
    '',
    '| TPS | sending point km p50 | p90 | max | travel min p50 | p90 |',
    '| --- | --: | --: | --: | --: | --: |',
    ...(['none', 'weak'] as const).map((c) => {
      const x = r.plan[c];
      return `| ${c === 'none' ? 'blank spot' : 'weak'} | ${x.distanceKm.p50} | ${x.distanceKm.p90} | ${x.distanceKm.max} | ${x.travelMinutes.p50} | ${x.travelMinutes.p90} |`;
    }),
    '',
    'A weak TPS often has a good observation of its own at its position (distance 0).',
    `Checked: ${r.check.agreedWithBruteForce} of ${r.check.sample} sampled answers equal brute force over every candidate.`,
    '',
  ];
  return lines.join('\n');
}

main();
