import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fieldEntries, type CHasil } from '../chasil.ts';
import { consistentResult, EXAMPLE_PPWP } from '../../synth/results.ts';
import {
  auditRecord,
  fromCHasil,
  fromSirekap,
  relation,
  SetAudit,
  type AuditRecord,
  type FieldReading,
  type Finding,
} from './index.ts';

const TPS = '16.08.01.1007.001';
const clone = (): CHasil => structuredClone(EXAMPLE_PPWP);
const audit = (r: CHasil) => auditRecord(fromCHasil(TPS, 'ppwp', r));
const misread = (fs: Finding[]) => fs.find((f) => f.kind === 'misread');

describe('per-record checks', () => {
  it('finds nothing in a consistent form', () => {
    const a = audit(clone());
    expect(a.findings).toEqual([]);
    expect(a.clean).toBe(true);
  });

  it('reports a rule breach with its fields and reasons in both languages', () => {
    const r = clone();
    r.invalid = 17;
    const f = audit(r).findings.find((x) => x.kind === 'rule');
    expect(f).toMatchObject({ kind: 'rule', check: 'valid-plus-invalid' });
    expect(f?.message.en).toContain('214');
    expect(f?.message.id).toContain('sah');
  });

  it('flags impossible values: over 300 per TPS, over DPT + 2%, over the voters', () => {
    const r = clone();
    r.votes['2'] = 729;
    const checks = audit(r)
      .findings.filter((f) => f.kind === 'impossible')
      .map((f) => f.check);
    expect(checks).toEqual(
      expect.arrayContaining([
        'votes-over-tps-limit',
        'votes-over-dpt-reserve',
        'votes-over-voters',
      ]),
    );
    const pilkada = auditRecord({ ...fromCHasil(TPS, 'pilbup', clone()) });
    expect(pilkada.findings).toEqual([]);
  });

  it('reports an incomplete record as a finding, not a crash', () => {
    const rec = fromSirekap({ tps_code: '3101011001001', chart: null, administrasi: null });
    expect(rec.ok).toBe(true);
    if (!rec.ok) return;
    const a = auditRecord(rec.value);
    expect(a.findings.map((f) => f.kind)).toEqual(['incomplete']);
    expect(a.complete).toBe(false);
  });
});

describe('misread proposals', () => {
  it('proposes the value the other fields determine when an X is read as a digit', () => {
    const r = clone();
    r.invalid = 716; // 16 with the crossed hundreds box read as 7
    const m = misread(audit(r).findings);
    expect(m).toMatchObject({ field: 'invalid', read: 716, proposed: 16, how: 'leading' });
    expect(m && 'confidence' in m && m.confidence).toBe(1);
  });

  it('proposes a one-digit change of a vote', () => {
    const r = clone();
    r.votes['2'] = 179; // 129 with the tens misread
    const m = misread(audit(r).findings);
    expect(m).toMatchObject({ kind: 'misread', proposed: 129, how: 'digit' });
  });

  it('shares the confidence between changes that fit equally', () => {
    const r = clone();
    r.votes['1'] = 84; // 54; 31 -> 01 would also fit
    const m = misread(audit(r).findings);
    if (m?.check !== 'single-field') throw new Error('expected a single-field proposal');
    expect(m.confidence).toBeLessThan(0.6);
    expect(
      [m, ...m.alternatives].some((x) => 'value' in x && x.value === 54) || m.proposed === 54,
    ).toBe(true);
  });

  it('calls a slip the photo plainly shows a breach on paper, not a misread', () => {
    const r = clone();
    r.votes['2'] = 179; // written 179 on the form: the reader read every number, and was sure
    const sure = Object.fromEntries(
      fieldEntries(r).map(([p, value]) => [p, { value, sure: true }]),
    );
    const fs = auditRecord(fromCHasil(TPS, 'ppwp', r, [], sure)).findings;
    expect(misread(fs)).toBeUndefined();
    const paper = fs.find((f) => f.check === 'on-paper');
    expect(paper).toMatchObject({
      kind: 'rule',
      check: 'on-paper',
      fields: ['votes.1', 'votes.2', 'votes.3', 'valid', 'voters.total.total'],
      values: [54, 179, 31, 214, 230],
      breaks: ['votes-sum-valid', 'votes-over-voters'],
    });
    // Sure of the vote alone, the engine still proposes another field it was not sure of.
    const one = { 'votes.2': { value: 179, sure: true } };
    const other = misread(auditRecord(fromCHasil(TPS, 'ppwp', r, [], one)).findings);
    expect(other?.check === 'single-field' && other.field).not.toBe('votes.2');
    expect(paper?.message.id).toContain('di atas kertas');
    expect(paper?.message.en).toContain('on paper');
    // The rule's own finding stays: the breach is still reported, once as a rule.
    expect(fs.filter((f) => f.check === 'votes-sum-valid')).toHaveLength(1);
  });

  it('keeps the misread where the reader was unsure, read otherwise, or read nothing', () => {
    const readings: Record<string, FieldReading>[] = [
      { 'votes.2': { value: 179, sure: false } },
      { 'votes.2': { value: 129, sure: true } },
      { 'votes.2': { value: null, sure: false } },
      {},
    ];
    for (const reading of readings) {
      const r = clone();
      r.votes['2'] = 179;
      const fs = auditRecord(fromCHasil(TPS, 'ppwp', r, [], reading)).findings;
      expect(misread(fs)).toMatchObject({ field: 'votes.2', proposed: 129 });
      expect(fs.some((f) => f.check === 'on-paper')).toBe(false);
    }
  });

  it('proposes an unsure field over one the reader confirmed', () => {
    const r = clone();
    r.invalid = 716; // valid 214 + invalid 716 != total 230: invalid or total could be wrong
    const sureOfInvalid = { invalid: { value: 716, sure: true } };
    const fs = auditRecord(fromCHasil(TPS, 'ppwp', r, [], sureOfInvalid)).findings;
    const m = misread(fs);
    // invalid is what the paper says; with it fixed nothing one field away makes the form hold.
    if (m) expect(m.check === 'single-field' ? m.field : m.fields).not.toContain('invalid');
    else expect(fs.find((f) => f.check === 'on-paper')).toMatchObject({ fields: ['invalid'] });
  });

  it('relates readings to proposals by their digit boxes', () => {
    expect(relation(962, 62)).toBe('leading');
    expect(relation(179, 129)).toBe('digit');
    expect(relation(551, 10)).toBe('determined');
  });

  it('restores any vote whose blank hundreds box was read as a digit (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 250, max: 300 }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 4, max: 9 }),
        fc.constantFrom('1', '2', '3'),
        (dpt, a, b, invalid, x, key) => {
          const votes: Record<string, number> = { '1': a, '2': b, '3': 0 };
          const used = a + b + 40 + invalid;
          votes['3'] = used - invalid - a - b;
          const r = consistentResult({
            dptL: Math.floor(dpt / 2),
            dptP: dpt - Math.floor(dpt / 2),
            votesL: Math.floor(used / 2),
            votesP: used - Math.floor(used / 2),
            invalid,
            votes,
          });
          const truth = r.votes[key]!;
          if (truth >= 100) return;
          r.votes[key] = truth + 100 * x;
          const m = misread(audit(r).findings);
          expect(m).toMatchObject({ field: `votes.${key}`, proposed: truth, confidence: 1 });
        },
      ),
    );
  });
});

describe('checks over a set of records', () => {
  const rec = (tps: string, v1: number, v2: number, photos: string[] = []): AuditRecord =>
    fromCHasil(
      tps,
      'ppwp',
      consistentResult({
        dptL: 100,
        dptP: 100,
        votesL: 90,
        votesP: 90,
        invalid: 0,
        votes: { '1': v1, '2': v2, '3': 180 - v1 - v2 },
      }),
      photos,
    );
  const run = (records: AuditRecord[]) => {
    const set = new SetAudit();
    const own = records.map((r) => auditRecord(r).clean);
    records.forEach((r, i) => set.add(r, own[i]!));
    return records.map((r, i) => set.findings(r, own[i]!));
  };

  it('scores an outlying share against the other TPS of its desa and never changes it', () => {
    const records = Array.from({ length: 10 }, (_, i) =>
      rec(`16.08.01.1007.${String(i + 1).padStart(3, '0')}`, 45 + i, 100 - (i % 2)),
    );
    records.push(rec('16.08.01.1007.011', 170, 5));
    const found = run(records);
    expect(found.slice(0, 10).flat()).toEqual([]);
    const outliers = found[10]!.filter((f) => f.kind === 'outlier');
    expect(outliers.map((f) => f.kind === 'outlier' && f.check)).toContain('share.1');
    expect(records[10]!.values['votes.1']).toBe(170);
  });

  it('finds the same numbers and the same photo at different TPS', () => {
    const found = run([
      rec('16.08.01.1007.001', 50, 100, ['p1']),
      rec('16.08.01.1007.002', 50, 100, ['p2']),
      rec('16.08.01.1007.003', 60, 100, ['p1']),
    ]);
    expect(found[0]!.map((f) => f.check).sort()).toEqual(['same-numbers', 'same-photo']);
    expect(found[1]).toEqual([
      expect.objectContaining({ check: 'same-numbers', others: ['16.08.01.1007.001'] }),
    ]);
    expect(found[2]).toEqual([
      expect.objectContaining({ check: 'same-photo', others: ['16.08.01.1007.001'] }),
    ]);
  });
});
