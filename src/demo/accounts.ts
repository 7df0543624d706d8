// The demo's operator accounts: one for each role, in the demo kabupaten (Ogan Komering Ulu
// Timur, 16.08), so that every part of the recap ladder can be tried by hand. Each gets a one-time
// password, printed once by `rekap serve --demo`; a name that exists already is left as it is, so
// a second start changes nothing.
import type { Role } from '../core/authz.ts';
import type { RegionCode } from '../core/codes.ts';
import type { Result } from '../core/result.ts';

/** What demoAccounts needs of the store's accounts (src/store/accounts.ts AccountStore has it). */
export type AccountMaker = {
  byName(name: string): Promise<object | undefined>;
  create(a: {
    name: string;
    role: Role;
    region: RegionCode;
    choice?: string | null;
  }): Promise<Result<{ password: string }, { message: string }>>;
};

export type DemoAccount = {
  name: string;
  role: Role;
  region: RegionCode;
  choice: string | null;
  /** The one-time password; null when the account existed already (its password is not known). */
  password: string | null;
};

/** One account per role: a desa and a kecamatan of Martapura, the kabupaten, up to the nation. */
export const DEMO_ACCOUNTS: readonly Omit<DemoAccount, 'password'>[] = [
  { name: 'demo-pps', role: 'pps', region: '16.08.01.1007' as RegionCode, choice: null },
  { name: 'demo-ppk', role: 'ppk', region: '16.08.01' as RegionCode, choice: null },
  { name: 'demo-kpu-kab', role: 'kpu_kab', region: '16.08' as RegionCode, choice: null },
  { name: 'demo-kpu-prov', role: 'kpu_prov', region: '16' as RegionCode, choice: null },
  { name: 'demo-kpu-ri', role: 'kpu_ri', region: 'id' as RegionCode, choice: null },
  { name: 'demo-bawaslu', role: 'bawaslu', region: '16.08' as RegionCode, choice: null },
  { name: 'demo-saksi', role: 'saksi', region: '16.08' as RegionCode, choice: '1' },
  { name: 'demo-admin', role: 'admin', region: '16.08' as RegionCode, choice: null },
];

/** Creates the demo accounts that do not exist yet; all of them, with the new ones' passwords. */
export async function demoAccounts(accounts: AccountMaker): Promise<DemoAccount[]> {
  const out: DemoAccount[] = [];
  for (const a of DEMO_ACCOUNTS) {
    if (await accounts.byName(a.name)) {
      out.push({ ...a, password: null });
      continue;
    }
    const created = await accounts.create(a);
    // The demo election holds every one of these regions and pair 1: anything else is a bug.
    if (!created.ok) throw new Error(`demo account ${a.name}: ${created.error.message}`);
    out.push({ ...a, password: created.value.password });
  }
  return out;
}

/** How to log in, for `rekap serve --demo` to print: one line an account, then where. */
export function demoAccountsText(accounts: readonly DemoAccount[], baseUrl: string): string {
  const width = Math.max(...accounts.map((a) => a.name.length));
  const lines = accounts.map(
    (a) =>
      `  ${a.name.padEnd(width)}  ${a.password ?? '(exists; rekap operator reset --name ' + a.name + ')'}  ${a.role} of ${a.region}${a.choice ? `, witness of pair ${a.choice}` : ''}`,
  );
  return [
    'Demo operator accounts (one-time passwords, shown once; each must be changed at the first login):',
    ...lines,
    `Log in at ${baseUrl}/operator/ (the review queue; docs/operators.md).`,
    '',
  ].join('\n');
}
