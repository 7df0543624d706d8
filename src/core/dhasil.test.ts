// The D.Hasil's own rules, without a store: the totals must add up from the children (and a
// desa's from its TPS), a key id is the sha256 of the raw key, and the choices carry their names.
import { describe, expect, it } from 'vitest';
import { PPWP_2024 } from './ballots.ts';
import {
  choiceNames,
  DHASIL_FORMAT,
  keyIdOf,
  sumTotals,
  totalsProblems,
  type DHasil,
} from './dhasil.ts';

const tps = (code: string, v1: number, v2: number) => ({
  code,
  name: code,
  version: 1,
  kind: 'submission' as const,
  contentHash: 'a'.repeat(64),
  chainHash: 'b'.repeat(64),
  totals: { votes: { '1': v1, '2': v2 }, valid: v1 + v2, invalid: 1, total: v1 + v2 + 1 },
});

const kecamatan = (): DHasil => ({
  format: DHASIL_FORMAT,
  election: 'test',
  contest: PPWP_2024,
  level: 'kecamatan',
  region: { code: '16.08.01', name: 'Martapura' },
  parents: [],
  status: 'certified',
  at: '2024-02-20T10:00:00.000Z',
  by: 'cli',
  chainHead: { seq: 3, hash: 'c'.repeat(64) },
  replaces: null,
  keyId: '0123456789abcdef',
  totals: {
    votes: { '1': 15, '2': 7 },
    valid: 22,
    invalid: 2,
    total: 24,
    tpsReported: 2,
    tpsTotal: 2,
  },
  children: [
    {
      code: '16.08.01.1001',
      name: 'Desa',
      level: 'desa',
      totals: {
        votes: { '1': 15, '2': 7 },
        valid: 22,
        invalid: 2,
        total: 24,
        tpsReported: 2,
        tpsTotal: 2,
      },
      tps: [tps('16.08.01.1001.001', 10, 5), tps('16.08.01.1001.002', 5, 2)],
    },
  ],
  corrections: [],
});

describe('the D.Hasil', () => {
  it('adds up from its children and their TPS', () => {
    expect(totalsProblems(kecamatan())).toEqual([]);
    const off = kecamatan();
    off.children[0]!.tps![1]!.totals.votes['2'] = 3;
    expect(totalsProblems(off)).toEqual(['16.08.01.1001: votes 2 is 7, its parts add up to 8']);
    const top = kecamatan();
    top.totals.tpsTotal = 3;
    expect(totalsProblems(top)).toEqual(['16.08.01: tpsTotal is 3, its parts add up to 2']);
    expect(sumTotals([])).toEqual({ votes: {}, valid: 0, invalid: 0, total: 0 });
  });

  it('above a kecamatan, names each child D.Hasil', () => {
    const d = { ...kecamatan(), level: 'kabupaten' as const };
    expect(totalsProblems(d)).toContain('16.08.01.1001: no D.Hasil named');
  });

  it('a key id is the first 16 hex digits of the sha256 of the raw key', async () => {
    // sha256 of 32 zero bytes.
    expect(await keyIdOf('A'.repeat(43))).toBe('66687aadf862bd77');
    expect(await keyIdOf('short')).toBeUndefined();
  });

  it('names each choice as the contest does', () => {
    expect(choiceNames(PPWP_2024).map((c) => c.key)).toEqual(['1', '2', '3']);
    expect(choiceNames(PPWP_2024)[1]!.name).toBe('Prabowo Subianto - Gibran Rakabuming Raka');
  });
});
