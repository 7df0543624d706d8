// What the commands that read a file share: where they write, whether the file is there, and its
// lines streamed one at a time with their numbers (bounded memory, for Sirekap's JSONL).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';

export type Io = { stdout: (s: string) => void; stderr: (s: string) => void };

export const processIo: Io = {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
};

/** Whether `file` is a file; when not, `rekap COMMAND: no such file: FILE` on stderr. */
export async function fileOrSay(command: string, file: string, io: Io): Promise<boolean> {
  const info = await stat(file).catch(() => null);
  if (info?.isFile()) return true;
  io.stderr(`rekap ${command}: no such file: ${file}\n`);
  return false;
}

/** Each line of a text file with its number (from 1). */
export async function* numberedLines(path: string): AsyncGenerator<[number, string]> {
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) yield [++n, line];
}
