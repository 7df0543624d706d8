// Who may do what, and where: one pure function, `can`, decides every operator action (issue 12,
// docs/operators.md). An account holds one role and one region; every action is allowed only on a
// target (a region or a TPS) inside that region. The server asks `can` on every request
// (src/server/session.ts `requireOperator`), and the authorisation-matrix test runs over it and
// over the HTTP routes.
//
// | role       | its region  | may, inside its region                                                                                        |
// | ---------- | ----------- | ------------------------------------------------------------------------------------------------------------- |
// | `pps`      | a desa      | view_review, request_photo                                                                                    |
// | `ppk`      | a kecamatan | view_review, confirm, correct, request_photo, answer_objection; close_recap of its kecamatan; reopen_recap of its kecamatan or a desa in it |
// | `kpu_kab`  | a kabupaten | the same as ppk, one level up (close_recap of its kabupaten; reopen_recap at its level or below)              |
// | `kpu_prov` | a provinsi  | the same, for its provinsi                                                                                    |
// | `kpu_ri`   | the nation  | the same, for the nation                                                                                      |
// | `bawaslu`  | any level   | view_review (internal flags included), object, view_audit                                                     |
// | `saksi`    | any level   | object (a witness of one pair or party: `choice`; what is public needs no account)                           |
// | `admin`    | any level   | manage_accounts (accounts of its region and below only), view_audit                                           |
//
// Why these lines and not others:
// - PPS (desa) has no plenary of its own in the 2024 rules for the results: the count is recapped
//   from the kecamatan (PPK) up, so a PPS sees its desa's queue and asks for photos, but corrects
//   nothing; corrections belong to the plenary that signs off.
// - A level closes exactly its own region (PPK its kecamatan), never one above or beside it; a
//   reopening may reach down, because a higher plenary can send a lower level's recap back.
// - Bawaslu supervises and a witness watches: they object, and never change a number.
// - Administrators manage accounts and nothing else, so a compromised administrator cannot change
//   results; no other role manages accounts.
import {
  regionContains,
  regionLevel,
  REGION_LEVELS,
  type RegionCode,
  type RegionLevel,
  type TpsCode,
} from './codes.ts';
import { err, ok, type Result } from './result.ts';

export const ROLES = [
  'pps',
  'ppk',
  'kpu_kab',
  'kpu_prov',
  'kpu_ri',
  'bawaslu',
  'saksi',
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

export const ACTIONS = [
  'view_review',
  'confirm',
  'correct',
  'request_photo',
  'object',
  'answer_objection',
  'close_recap',
  'reopen_recap',
  'manage_accounts',
  'view_audit',
] as const;
export type Action = (typeof ACTIONS)[number];

/** What `can` needs of an account: its role, its region and, for a witness, its choice. */
export type Principal = { role: Role; region: RegionCode; choice?: string | null };

/** What an action is about: a region (a recap, a queue, accounts) or one TPS. */
export type Target = { region: RegionCode } | { tps: TpsCode };

export type Denial = { code: 'forbidden' | 'outside_region'; why: string };

/** The level whose region a role holds; `any` for the roles that may sit at every level. */
export const ROLE_LEVEL: Record<Role, RegionLevel | 'any'> = {
  pps: 'desa',
  ppk: 'kecamatan',
  kpu_kab: 'kabupaten',
  kpu_prov: 'provinsi',
  kpu_ri: 'nasional',
  bawaslu: 'any',
  saksi: 'any',
  admin: 'any',
};

/** The result-handling actions of the recap levels, PPK to KPU RI. */
const LEVEL_ACTIONS: readonly Action[] = [
  'view_review',
  'confirm',
  'correct',
  'request_photo',
  'answer_objection',
  'close_recap',
  'reopen_recap',
];

/** The actions each role may take inside its region (the table above). */
export const PERMISSIONS: Record<Role, readonly Action[]> = {
  pps: ['view_review', 'request_photo'],
  ppk: LEVEL_ACTIONS,
  kpu_kab: LEVEL_ACTIONS,
  kpu_prov: LEVEL_ACTIONS,
  kpu_ri: LEVEL_ACTIONS,
  bawaslu: ['view_review', 'object', 'view_audit'],
  saksi: ['object'],
  admin: ['manage_accounts', 'view_audit'],
};

const depth = (level: RegionLevel) => REGION_LEVELS.indexOf(level);

const where = (target: Target): string =>
  'tps' in target ? `TPS ${target.tps}` : `region ${target.region}`;

/**
 * Whether `account` may take `action` on `target`: `forbidden` when its role never may (or not on
 * a target of that kind or level), `outside_region` when the target lies outside its region.
 */
export function can(account: Principal, action: Action, target: Target): Result<true, Denial> {
  const { role, region } = account;
  if (!PERMISSIONS[role].includes(action))
    return err({ code: 'forbidden', why: `a ${role} account may not ${action}` });
  if (action === 'close_recap' || action === 'reopen_recap') {
    // A recap is a region's: a TPS has none of its own.
    if ('tps' in target)
      return err({ code: 'forbidden', why: `${action} is about a region's recap, not a TPS` });
    const own = ROLE_LEVEL[role];
    const level = regionLevel(target.region);
    if (own !== 'any') {
      if (action === 'close_recap' && level !== own)
        return err({
          code: 'forbidden',
          why: `a ${role} account closes the recap of a ${own} (its own), not of a ${level}`,
        });
      if (action === 'reopen_recap' && depth(level) < depth(own))
        return err({
          code: 'forbidden',
          why: `a ${role} account reopens recaps at ${own} level or below, not of a ${level}`,
        });
    }
  }
  const code = 'tps' in target ? target.tps : target.region;
  if (!regionContains(region, code))
    return err({
      code: 'outside_region',
      why: `${where(target)} is outside this account's region ${region}`,
    });
  return ok(true);
}

/**
 * Whether a role may hold this region (and choice): pps a desa, ppk a kecamatan, kpu_kab a
 * kabupaten, kpu_prov a provinsi, kpu_ri the nation; bawaslu, saksi and admin any level. A
 * witness (saksi) names the pair or party it witnesses for; no other role has a choice.
 */
export function roleFits(account: Principal): Result<true, string> {
  const { role, region } = account;
  const need = ROLE_LEVEL[role];
  const level = regionLevel(region);
  if (need !== 'any' && level !== need)
    return err(`a ${role} account holds a ${need}, and ${region} is a ${level}`);
  const choice = account.choice ?? null;
  if (role === 'saksi' && choice === null)
    return err('a saksi account names the pair or party it witnesses for (--choice)');
  if (role !== 'saksi' && choice !== null) return err(`only a saksi account has a choice`);
  return ok(true);
}
