// The authorisation matrix over `can`: every role, every action, a target inside its region and
// one outside. The expected table is written out here, apart from PERMISSIONS, so that a change of
// the rules shows up as a change of this table.
import { describe, expect, it } from 'vitest';
import {
  ACTIONS,
  can,
  PERMISSIONS,
  ROLES,
  roleFits,
  type Action,
  type Role,
  type Target,
} from './authz.ts';
import type { RegionCode, TpsCode } from './codes.ts';

const R = (c: string) => c as RegionCode;
const T = (c: string) => c as TpsCode;

/** What each role may do inside its region (docs/operators.md). */
const MAY: Record<Role, string> = {
  pps: 'view_review request_photo',
  ppk: 'view_review confirm correct request_photo answer_objection close_recap reopen_recap',
  kpu_kab: 'view_review confirm correct request_photo answer_objection close_recap reopen_recap',
  kpu_prov: 'view_review confirm correct request_photo answer_objection close_recap reopen_recap',
  kpu_ri: 'view_review confirm correct request_photo answer_objection close_recap reopen_recap',
  bawaslu: 'view_review object view_audit',
  saksi: 'object',
  admin: 'manage_accounts view_audit',
};

/** Each role's account in the demo kabupaten, and a region of the same level beside it. */
const ACCOUNT: Record<Role, { region: string; beside: string | null; choice?: string }> = {
  pps: { region: '16.08.01.1001', beside: '16.08.01.1002' },
  ppk: { region: '16.08.01', beside: '16.08.02' },
  kpu_kab: { region: '16.08', beside: '16.07' },
  kpu_prov: { region: '16', beside: '17' },
  kpu_ri: { region: 'id', beside: null },
  bawaslu: { region: '16.08', beside: '16.07' },
  saksi: { region: '16.08', beside: '16.07', choice: '2' },
  admin: { region: '16.08', beside: '16.07' },
};

/** A TPS in a region (the region itself when it is a desa, else its first desa's first TPS). */
function tpsIn(region: string): TpsCode {
  if (region === 'id') return T('16.08.01.1001.001');
  const parts = region.split('.');
  const fill = ['16', '08', '01', '1001'];
  return T([...parts, ...fill.slice(parts.length), '001'].join('.'));
}

/** The target of an action: a recap is a region's; everything else is tried on a TPS. */
function targetIn(action: Action, region: string): Target {
  return action === 'close_recap' || action === 'reopen_recap'
    ? { region: R(region) }
    : { tps: tpsIn(region) };
}

describe('can: every role x action x inside and outside its region', () => {
  it('the expected table is the rule table', () => {
    for (const role of ROLES)
      expect([...PERMISSIONS[role]].sort(), role).toEqual(MAY[role].split(' ').sort());
  });

  const cases = ROLES.flatMap((role) => ACTIONS.map((action) => [role, action] as const));
  it.each(cases)('%s %s', (role, action) => {
    const a = ACCOUNT[role];
    const account = { role, region: R(a.region), choice: a.choice ?? null };
    const allowed = MAY[role].split(' ').includes(action);
    const inside = can(account, action, targetIn(action, a.region));
    if (allowed) expect(inside).toEqual({ ok: true, value: true });
    else expect(inside.ok ? 'ok' : inside.error.code).toBe('forbidden');
    if (a.beside === null) {
      // The nation holds every region: nothing lies outside a kpu_ri account.
      expect(can(account, action, { tps: T('91.01.01.1001.001') }).ok).toBe(
        allowed && action !== 'close_recap' && action !== 'reopen_recap',
      );
      return;
    }
    const outside = can(account, action, targetIn(action, a.beside));
    expect(outside.ok ? 'ok' : outside.error.code).toBe(allowed ? 'outside_region' : 'forbidden');
  });
});

describe('can: recaps by level', () => {
  const ppk = { role: 'ppk' as const, region: R('16.08.01') };
  const kab = { role: 'kpu_kab' as const, region: R('16.08') };
  const code = (r: ReturnType<typeof can>) => (r.ok ? 'ok' : r.error.code);

  it('a level closes exactly its own region', () => {
    expect(code(can(ppk, 'close_recap', { region: R('16.08.01') }))).toBe('ok');
    expect(code(can(ppk, 'close_recap', { region: R('16.08.01.1001') }))).toBe('forbidden');
    expect(code(can(ppk, 'close_recap', { region: R('16.08') }))).toBe('forbidden');
    expect(code(can(kab, 'close_recap', { region: R('16.08') }))).toBe('ok');
    expect(code(can(kab, 'close_recap', { region: R('16.08.01') }))).toBe('forbidden');
    expect(code(can(kab, 'close_recap', { region: R('16.07') }))).toBe('outside_region');
  });

  it('a level reopens its own recap or one below it, never one above', () => {
    expect(code(can(kab, 'reopen_recap', { region: R('16.08') }))).toBe('ok');
    expect(code(can(kab, 'reopen_recap', { region: R('16.08.01') }))).toBe('ok');
    expect(code(can(kab, 'reopen_recap', { region: R('16.08.01.1001') }))).toBe('ok');
    expect(code(can(kab, 'reopen_recap', { region: R('16') }))).toBe('forbidden');
    expect(code(can(kab, 'reopen_recap', { region: R('16.07.01') }))).toBe('outside_region');
    expect(code(can(ppk, 'reopen_recap', { region: R('16.08') }))).toBe('forbidden');
  });

  it('a recap is a region, not a TPS', () => {
    expect(code(can(ppk, 'close_recap', { tps: T('16.08.01.1001.001') }))).toBe('forbidden');
  });

  it('regions and TPS are inside by their codes, not by a shared prefix of digits', () => {
    // 16.08.1 is no code, but 16.08.01 must not contain 16.08.010...: codes end at a dot.
    expect(code(can(ppk, 'view_review', { tps: T('16.08.011.1001.001') }))).toBe('outside_region');
    expect(code(can(ppk, 'view_review', { region: R('16.08.01.1001') }))).toBe('ok');
    expect(code(can(ppk, 'view_review', { region: R('16.08') }))).toBe('outside_region');
  });

  it('says why', () => {
    const r = can({ role: 'saksi', region: R('16.08'), choice: '1' }, 'correct', {
      tps: T('16.08.01.1001.001'),
    });
    expect(r).toEqual({
      ok: false,
      error: { code: 'forbidden', why: 'a saksi account may not correct' },
    });
    const o = can(ppk, 'confirm', { tps: T('16.08.02.2001.001') });
    expect(o.ok ? '' : o.error.why).toBe(
      "TPS 16.08.02.2001.001 is outside this account's region 16.08.01",
    );
  });
});

describe('roleFits: role and region agree at creation', () => {
  const fits = (role: Role, region: string, choice?: string) =>
    roleFits({ role, region: R(region), choice: choice ?? null });

  it('the recap levels hold a region of their own level', () => {
    expect(fits('pps', '16.08.01.1001').ok).toBe(true);
    expect(fits('ppk', '16.08.01').ok).toBe(true);
    expect(fits('kpu_kab', '16.08').ok).toBe(true);
    expect(fits('kpu_prov', '16').ok).toBe(true);
    expect(fits('kpu_ri', 'id').ok).toBe(true);
    expect(fits('ppk', '16.08')).toEqual({
      ok: false,
      error: 'a ppk account holds a kecamatan, and 16.08 is a kabupaten',
    });
    expect(fits('pps', '16.08.01').ok).toBe(false);
    expect(fits('kpu_ri', '16').ok).toBe(false);
  });

  it('bawaslu, saksi and admin sit at any level; only a saksi names a choice, and must', () => {
    for (const region of ['id', '16', '16.08', '16.08.01', '16.08.01.1001']) {
      expect(fits('bawaslu', region).ok).toBe(true);
      expect(fits('admin', region).ok).toBe(true);
      expect(fits('saksi', region, '1').ok).toBe(true);
    }
    expect(fits('saksi', '16.08').ok).toBe(false);
    expect(fits('bawaslu', '16.08', '1').ok).toBe(false);
  });
});
