// `rekap audit sirekap` on the real Sirekap sample (../shared/data/sirekap/dki-sample.jsonl: 1,000
// DKI Jakarta TPS as Sirekap published them in Feb 2024), and on its committed subset
// (test/fixtures/sirekap: every tenth line and the lines of the TPS named below, 105 records). The
// subset runs always; the whole sample is skipped without ../shared unless CI is set.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCommand, auditSirekapFile, type AuditSummary, type TpsReport } from './audit.ts';
import { fixture, sharedData } from '../../test/fixtures/shared-data.ts';

// Each source with what its summary must be: the subset's own counts, pinned the same way.
const SOURCES = [
  {
    name: 'the committed subset',
    file: fixture('sirekap/dki-sample-subset.jsonl'),
    records: 105,
    minBreaches: 9,
    clean: 27,
    byKind: { incomplete: 64, impossible: 7, rule: 17 },
  },
  {
    name: 'the real sample',
    file: sharedData('sirekap/dki-sample.jsonl', 'the Sirekap sample'),
    records: 1000,
    minBreaches: 40,
    clean: 270,
    byKind: { incomplete: 652, impossible: 50, rule: 92 },
  },
];

type Raw = {
  tps_code: string;
  chart: Record<string, number | null> | null;
  administrasi: Record<string, number | null> | null;
};

for (const { name, file, ...want } of SOURCES)
  describe.skipIf(!file)(`rekap audit sirekap on ${name}`, () => {
    const SAMPLE = file!;
    const reports = new Map<string, TpsReport>();
    let summary: AuditSummary;
    beforeAll(async () => {
      summary = await auditSirekapFile(SAMPLE, (r) => reports.set(r.tps.replaceAll('.', ''), r));
    });
    const misread = (code: string) => reports.get(code)?.findings.find((f) => f.kind === 'misread');

    it('flags every record with an arithmetic breach or an impossible value', () => {
      const raw = readFileSync(SAMPLE, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Raw);
      expect(raw).toHaveLength(want.records);
      let breaches = 0;
      for (const r of raw) {
        const v = ['100025', '100026', '100027'].map((k) => r.chart?.[k]);
        const a = r.administrasi;
        const sum = v.every((x) => x != null)
          ? v.reduce<number>((s, x) => s + (x ?? 0), 0)
          : undefined;
        const bad =
          v.some((x) => x != null && x > 300) ||
          (sum !== undefined && a?.suara_sah != null && sum !== a.suara_sah) ||
          (sum !== undefined && a?.pengguna_total_j != null && sum > a.pengguna_total_j) ||
          (a?.suara_sah != null &&
            a.suara_tidak_sah != null &&
            a.suara_total != null &&
            a.suara_sah + a.suara_tidak_sah !== a.suara_total);
        if (!bad) continue;
        breaches++;
        const kinds = reports.get(r.tps_code)?.findings.map((f) => f.kind) ?? [];
        expect(
          kinds.some((k) => k === 'rule' || k === 'impossible'),
          r.tps_code,
        ).toBe(true);
      }
      expect(breaches).toBeGreaterThanOrEqual(want.minBreaches);
    });

    it('proposes the values the other fields determine', () => {
      // 105 + 48 + 551 with 163 valid: the 551 is 10.
      expect(misread('3173011002090')).toMatchObject({
        field: 'votes.3',
        read: 551,
        proposed: 10,
        confidence: 1,
      });
      // 51 + 317 + 27 with 207 valid: the 317 is 129 (its total-vs-voters breach stays for review).
      expect(misread('3173011006134')).toMatchObject({
        field: 'votes.2',
        proposed: 129,
        partial: true,
      });
      // A leading X read as a digit: 896 DPT voters (female) among 199.
      expect(misread('3173011002146')).toMatchObject({
        field: 'voters.dpt.p',
        proposed: 96,
        how: 'leading',
      });
    });

    it('gives 71 / 641 / 511 at TPS 3101011003008 the sum the other fields fix', () => {
      expect(misread('3101011003008')).toMatchObject({
        check: 'constraint',
        fields: ['votes.2', 'votes.3'],
        read: [641, 511],
        sum: 114,
      });
      const checks = reports.get('3101011003008')!.findings.map((f) => f.check);
      expect(checks).toEqual(expect.arrayContaining(['votes-sum-valid', 'votes-over-tps-limit']));
    });

    it('proposes the likeliest reading where no other field determines it', () => {
      // 40 / 410 / 7 with no administrasi: 410 has a leading X read as 4.
      expect(misread('3173011001222')).toMatchObject({
        field: 'votes.2',
        proposed: 10,
        how: 'leading',
      });
    });

    it('pins the summary: incomplete records, misreads, and clean records flagged', () => {
      expect(summary).toMatchObject({ records: want.records, badLines: 0, clean: want.clean });
      expect(summary.byKind.incomplete).toBe(want.byKind.incomplete);
      expect(summary.byKind.impossible).toBe(want.byKind.impossible);
      expect(summary.byKind.rule).toBe(want.byKind.rule);
      expect(summary.byKind.duplicate).toBe(0);
      // Clean records flagged (by neighbour outliers only): at most 1%.
      expect(summary.cleanFlagged).toBeLessThanOrEqual(Math.ceil(summary.clean / 100));
    });
  });

describe('rekap audit sirekap input handling', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rekap-audit-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('reports bad lines with their numbers and goes on', async () => {
    const file = join(dir, 'mixed.jsonl');
    const good = {
      tps_code: '3173011002090',
      chart: { '100025': 105, '100026': 48, '100027': 551 },
      administrasi: null,
      images: [null, null, null],
    };
    await writeFile(
      file,
      [JSON.stringify(good), '{not json', '', '[]', '{"tps_code":"12"}'].join('\n'),
    );
    let out = '';
    const code = await auditCommand(['sirekap', file, '--json'], {
      stdout: (s) => (out += s),
      stderr: () => {},
    });
    expect(code).toBe(0);
    const doc = JSON.parse(out) as {
      tps: TpsReport[];
      badLines: { line: number }[];
      summary: AuditSummary;
    };
    expect(doc.badLines.map((b) => b.line)).toEqual([2, 4, 5]);
    expect(doc.summary).toMatchObject({ records: 1, badLines: 3, flagged: 1 });
    expect(doc.tps[0]!.findings.map((f) => f.kind)).toEqual(
      expect.arrayContaining(['incomplete', 'impossible', 'misread']),
    );
  });
});
