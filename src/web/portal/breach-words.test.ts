import { describe, expect, it } from 'vitest';
import { auditRecord, fromCHasil } from '../../core/anomaly/index.ts';
import type { CHasil } from '../../core/chasil.ts';
import { checkRules } from '../../core/rules.ts';
import { EXAMPLE_PPWP } from '../../synth/results.ts';
import { breaches, fieldWords, formatCount } from './breach-words.ts';

const TPS = '16.08.01.1007.001';
const PATH = /\b[a-z]+\.[a-z]+\b/;
const ENGLISH = /\b(valid|invalid|ballots?|used|misread|votes?|voters|rule|total)\b/i;

function said(r: CHasil, lang: 'id' | 'en') {
  const flags = checkRules(r, { ballot: 'ppwp' });
  const findings = auditRecord(fromCHasil(TPS, 'ppwp', r)).findings;
  return breaches({ result: r, flags }, findings, lang, { ballot: 'ppwp', registeredDpt: null });
}

describe('breach words', () => {
  it('writes numbers the way the page language does', () => {
    expect(formatCount(2158, 'id')).toBe('2.158');
    expect(formatCount(2158, 'en')).toBe('2,158');
  });

  it('names fields in words, never by path', () => {
    expect(fieldWords('ballots.used', 'id')).toBe('surat suara digunakan');
    expect(fieldWords('votes.2', 'en')).toBe('votes for pair 02');
    expect(fieldWords('voters.total.l', 'id')).toBe('jumlah pengguna hak pilih, laki-laki');
  });

  it('says each breach once, in one language, without field paths', () => {
    const r = structuredClone(EXAMPLE_PPWP);
    r.votes['1'] = 654; // 54 with a 6 in the empty hundreds box
    const id = said(r, 'id');
    // The rule the flags say is not said again by the engine.
    const checks = id.map((b) => b.check);
    expect(checks.filter((c) => c === 'votes-sum-valid')).toHaveLength(1);
    // One number over three limits: one sentence.
    const over = id.filter((b) => b.kind === 'impossible' && b.words.includes('semua pasangan'));
    expect(over).toHaveLength(1);
    expect(over[0]!.words).toContain(' dan ');
    for (const b of id) {
      expect(b.words).not.toMatch(PATH);
      expect(b.words).not.toMatch(ENGLISH);
    }
    expect(id.find((b) => b.kind === 'misread')?.words).toContain('654 → 54');
    for (const b of said(r, 'en')) expect(b.words).not.toMatch(PATH);
  });

  it('calls a slip the re-read confirmed a breach on paper', () => {
    const r = structuredClone(EXAMPLE_PPWP);
    r.valid = 215;
    const reading = Object.fromEntries(
      Object.entries(fromCHasil(TPS, 'ppwp', r).values).map(([p, v]) => [
        p,
        { value: v, sure: true },
      ]),
    );
    const findings = auditRecord(fromCHasil(TPS, 'ppwp', r, [], reading)).findings;
    const out = breaches({ result: r, flags: checkRules(r, { ballot: 'ppwp' }) }, findings, 'id', {
      ballot: 'ppwp',
      registeredDpt: null,
    });
    expect(out.some((b) => b.kind === 'misread')).toBe(false);
    const paper = out.find((b) => b.kind === 'paper');
    expect(paper?.words).toContain('di atas kertas');
    expect(paper?.words).not.toMatch(PATH);
  });
});
