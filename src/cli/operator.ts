// rekap operator: operator accounts from the server's shell (docs/operators.md). `add` creates an
// account and prints its one-time password, once; `reset` gives a new one (and ends the account's
// sessions); `disable` stops an account; `list` shows them all. Each change is an event.
import { ROLES, type Role } from '../core/authz.ts';
import { parseRegionCode } from '../core/codes.ts';
import type { Account } from '../store/accounts.ts';
import { openStore } from '../store/store.ts';
import { processIo, type Io } from './io.ts';
import { parseWithPositionals, storeOptions } from './options.ts';
import { UsageError } from './usage.ts';

const SUBCOMMANDS = ['add', 'list', 'reset', 'disable'] as const;

const AFTER_PASSWORD =
  'shown this once: give it to the operator in person; they log in with it and must change it ' +
  'before anything else';

export async function operatorCommand(args: string[], io: Io = processIo): Promise<number> {
  const { values: o, positionals } = parseWithPositionals(args, {
    ...storeOptions,
    role: { type: 'string' },
    region: { type: 'string' },
    name: { type: 'string' },
    choice: { type: 'string' },
    reason: { type: 'string' },
  });
  const [sub, ...extra] = positionals;
  if (!sub || !(SUBCOMMANDS as readonly string[]).includes(sub) || extra.length > 0)
    throw new UsageError(`expected one of: ${SUBCOMMANDS.map((s) => `operator ${s}`).join(', ')}`);
  const unused = (names: string[]) => {
    const given = names.filter((n) => o[n as keyof typeof o] !== undefined);
    if (given.length > 0)
      throw new UsageError(`operator ${sub} takes no ${given.map((n) => `--${n}`).join(', ')}`);
  };
  let add: { role: Role; region: ReturnType<typeof parseRegionCode>; name: string } | undefined;
  if (sub === 'add') {
    unused(['reason']);
    if (!o.role || !o.region || !o.name)
      throw new UsageError('operator add needs --role ROLE --region CODE --name NAME');
    if (!(ROLES as readonly string[]).includes(o.role))
      throw new UsageError(`unknown role "${o.role}": one of ${ROLES.join(', ')}`);
    const region = parseRegionCode(o.region);
    if (!region)
      throw new UsageError(
        `not a region code: ${o.region} (id, 16, 16.08, 16.08.01, 16.08.01.1001)`,
      );
    add = { role: o.role as Role, region, name: o.name };
  } else if (sub === 'list') unused(['role', 'region', 'name', 'choice', 'reason']);
  else {
    unused(['role', 'region', 'choice', ...(sub === 'reset' ? ['reason'] : [])]);
    if (!o.name) throw new UsageError(`operator ${sub} needs --name NAME`);
    if (sub === 'disable' && !o.reason?.trim())
      throw new UsageError('operator disable needs --reason TEXT (it goes into the audit trail)');
  }

  const store = await openStore({ dataDir: o.data, dbUrl: o.db, writePhotos: false });
  const fail = (message: string) => {
    io.stderr(`rekap operator ${sub}: ${message}\n`);
    return 1;
  };
  try {
    if (add) {
      const created = await store.accounts.create({
        role: add.role,
        region: add.region!,
        name: add.name,
        choice: o.choice ?? null,
      });
      if (!created.ok) return fail(`${created.error.message} (in ${store.describe})`);
      const a = created.value.account;
      io.stdout(`${created.value.password}\n`);
      io.stderr(
        `rekap operator add: account ${describe(a)} created; its one-time password is above, ${AFTER_PASSWORD}\n`,
      );
      return 0;
    }
    if (sub === 'list') {
      const accounts = await store.accounts.list();
      if (accounts.length === 0) {
        io.stdout('no operator accounts yet (rekap operator add)\n');
        return 0;
      }
      const rows = accounts.map((a) => [
        a.name,
        a.role,
        a.region,
        a.choice ?? '',
        a.disabledAt
          ? `disabled ${a.disabledAt}`
          : a.mustChangePassword
            ? 'one-time password'
            : 'active',
        a.createdAt,
      ]);
      io.stdout(table([['name', 'role', 'region', 'choice', 'state', 'created'], ...rows]));
      return 0;
    }
    if (sub === 'reset') {
      const reset = await store.accounts.resetPassword(o.name!);
      if (!reset.ok) return fail(`no account named ${o.name} in ${store.describe}`);
      io.stdout(`${reset.value.password}\n`);
      io.stderr(
        `rekap operator reset: new one-time password for ${describe(reset.value.account)}; its sessions ended; ${AFTER_PASSWORD}\n`,
      );
      return 0;
    }
    const disabled = await store.accounts.disable(o.name!, o.reason!.trim());
    if (!disabled.ok)
      return disabled.error === 'unknown_account'
        ? fail(`no account named ${o.name} in ${store.describe}`)
        : fail(`account ${o.name} was disabled before`);
    io.stdout(`disabled ${describe(disabled.value)}; its sessions ended\n`);
    return 0;
  } finally {
    await store.close();
  }
}

const describe = (a: Account) =>
  `${a.name} (${a.role} of ${a.region}${a.choice ? `, witness of ${a.choice}` : ''})`;

/** Columns padded to their widest cell. */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}
