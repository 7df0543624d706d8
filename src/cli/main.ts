// `rekap`: the command line. Each command is a function of its arguments returning an exit code.
import { serveCommand } from './serve.ts';
import { kppsTokenCommand } from './kpps-token.ts';
import { rebuildCommand } from './rebuild.ts';

const USAGE = `rekap: rekapitulasi hasil pemungutan suara / vote recapitulation

Perintah / commands:
  rekap serve [--port N] [--data DIR] [--db URL] [--demo] [--simulate]
      Menjalankan server / run the server (default port 8080 or $PORT, data ./rekap-data, SQLite).
      --demo loads the demo election into an empty database; --simulate also runs a simulated
      election night against it (what \`npm start\` does).
  rekap kpps-token --tps CODE [--data DIR] [--db URL]
      Print a new bearer token for the KPPS of one TPS.
  rekap kpps-token --region CODE --csv [--data DIR] [--db URL]
      Provision every TPS below a region at once: CSV "tps,token" on stdout.
  rekap rebuild [--check] [--data DIR] [--db URL]
      Recompute every aggregate from the stored submissions (--check: only compare).
  rekap form template --ballot ppwp --json
      The official form's geometry in millimetres: markers, page-ID marker, boxes, bubbles.
  rekap form read PHOTO... --ballot ppwp --json [--dpt N]
      Read one form from the photos of its pages (any order): values, confidence, flags, verdict.
  rekap form synth --out DIR [--count N] [--seed S] [--slip-rate P]
      Synthetic, seeded photos of filled forms with their truth (for tests and benchmarks).
  rekap digits classify DIR --json
      Classify single digit-box crops: 0-9, or x for a crossed-out or empty box.
  rekap audit sirekap FILE.jsonl [--json]
      Anomalies in Sirekap-format TPS records (one a line): rule breaches, impossible values,
      incomplete records, likely misreads with proposals, neighbour outliers, duplicates.
  rekap import sirekap FILE.jsonl [--data DIR] [--db URL]
      Keep Sirekap-format TPS records beside Rekap's results (shown on the TPS page, never
      counted); the same file twice adds nothing. Prints imported, unchanged, unknown TPS, bad lines.
  rekap revoke-device --device ID [--data DIR] [--db URL]
      A lost or stolen phone stops signing for its TPS (its earlier signatures stay verifiable).
  rekap verify-receipt RECEIPT [--server URL | --data DIR [--db URL]] [--json]
      Check a witness receipt (the QR text, or a file holding it): its signature offline, and
      with --server or --data that a published version has exactly the signed numbers and photos.
`;

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  serve: serveCommand,
  'kpps-token': kppsTokenCommand,
  rebuild: rebuildCommand,
  // The reader and its model load only for the commands that use them.
  form: async (args) => (await import('./form.ts')).formCommand(args),
  digits: async (args) => (await import('./digits.ts')).digitsCommand(args),
  audit: async (args) => (await import('./audit.ts')).auditCommand(args),
  import: async (args) => (await import('./import.ts')).importCommand(args),
  'revoke-device': async (args) => (await import('./revoke-device.ts')).revokeDeviceCommand(args),
  'verify-receipt': async (args) =>
    (await import('./verify-receipt.ts')).verifyReceiptCommand(args),
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`rekap: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return await command(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`rekap ${name}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

export class UsageError extends Error {}
