// Options shared by the commands that open the store.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage.ts';

export const storeOptions = {
  data: { type: 'string', default: './rekap-data' },
  db: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: O,
) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Like `parse`, for commands that also take positional arguments (files, a subcommand). */
export function parseWithPositionals<O extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: O,
) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
