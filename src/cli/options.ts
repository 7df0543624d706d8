// Options shared by the commands that open the store.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseBlobsUrl } from '../store/blobs-s3.ts';
import { UsageError } from './usage.ts';

export const storeOptions = {
  data: { type: 'string', default: './rekap-data' },
  db: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/**
 * Where photos go (`--blobs`, default the data folder's pack files), and NATS for work and news
 * (`--queue nats://...`, `--nats-replicas`): the options of a process among many (issue 15).
 */
export const scaleOptions = {
  blobs: { type: 'string' },
  queue: { type: 'string' },
  'nats-replicas': { type: 'string', default: '1' },
  // Tests and trials beside a deployment on one NATS server: stream names of their own.
  'nats-prefix': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** `--nats-replicas`: 1 to 5 copies of each stream. */
export function natsReplicas(text: string): number {
  const n = Number(text);
  if (!(Number.isInteger(n) && n >= 1 && n <= 5))
    throw new UsageError(`--nats-replicas must be a whole number from 1 to 5, not ${text}`);
  return n;
}

/** `--blobs`: checked before anything is opened; `packs` (or nothing) is the data folder's. */
export function blobsSpec(text: string | undefined): string | undefined {
  if (text === undefined || text === 'packs') return text;
  const parsed = parseBlobsUrl(text);
  if (!parsed.ok) throw new UsageError(`--blobs: ${parsed.error}`);
  return text;
}

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
