// `rekap`: the command line. Each command is a function of its arguments returning an exit code.
// Every command loads on demand, so `rekap --help` and a command's --help load nothing else; any
// failure of a command ends as one line on stderr and a non-zero exit.
import { UsageError } from './usage.ts';

const USAGE = `rekap: rekapitulasi hasil pemungutan suara / vote recapitulation

Perintah / commands:
  rekap serve [--port N] [--data DIR] [--db URL] [--demo] [--simulate] [--max-devices-per-token N]
      [--max-connections N] [--rate-limit SPEC] [--trust-proxy LIST] [--hsts SECONDS] [--no-reread]
      [--public-refresh-ms N] [--read-db URL]
      Menjalankan server / run the server (default port 8080 or $PORT, data ./rekap-data, SQLite).
      --demo loads the demo election into an empty database; --simulate also runs a simulated
      election night against it (what \`npm start\` does). --max-connections: open connections
      at once (default 500, below a \`ulimit -n\` of 1024; raise both together).
      --public-refresh-ms: the least time between two changes of the public answers (default
      1000; 0 = every change at once): during ingest public reads then come from the cache.
      --rate-limit off, or changes such as scale=10,submissions.perToken=100 (docs/security.md);
      --trust-proxy loopback|IP|CIDR,... behind a reverse proxy; --hsts SECONDS behind TLS.
      --signing-key FILE: the Ed25519 key (PKCS#8 PEM, mode 0600) that signs each D.Hasil;
      default DIR/signing-key.pem, made on first start (docs/recap.md).
      Every photo is read again on the server, one form at a time; --no-reread turns that off
      on a machine too small for it. --intake-workers N: threads that hash and check photos and
      signatures (default cores - 1; 0: on the request thread).
      Across machines (docs/scale.md): --blobs s3://BUCKET[/PREFIX]?endpoint=URL&region=R puts
      photos in S3-compatible storage (credentials from AWS_* variables); --queue nats://H:P,...
      (with --db and --blobs s3://) sends re-reads to \`rekap worker\` processes and tells the other
      nodes of each commit; --nats-replicas N copies each stream (3 on a 3-node cluster);
      --read-db postgres://... (with --db postgres://) takes public result reads from a
      streaming read replica.
  rekap election import DIR [--regions idn-area-data[:CODE,...]] [--json] [--data DIR] [--db URL]
      Load or extend an election from election.json, regions.csv and tps.csv
      (docs/election-import.md); all or nothing, and the same files twice change nothing.
  rekap election export-demo DIR
      Write the demo election out as such files: an example to start from.
  rekap operator add --role ROLE --region CODE --name NAME [--choice N] [--data DIR] [--db URL]
      Create an operator account (pps, ppk, kpu_kab, kpu_prov, kpu_ri, bawaslu, saksi, admin)
      and print its one-time password (docs/operators.md); a saksi names its pair or party.
  rekap operator list [--data DIR] [--db URL]
      The operator accounts: name, role, region, choice and state.
  rekap operator reset --name NAME [--data DIR] [--db URL]
      Print a new one-time password for an account; its sessions end.
  rekap operator disable --name NAME --reason TEXT [--data DIR] [--db URL]
      Stop an account (the reason goes into the audit trail); its sessions end.
  rekap audit verify [--data DIR | --db URL] [--key KEY] [--json]
      Recompute the event chain, every submission's hash, every photo's hash and every
      aggregate from the events, and check each D.Hasil's signature (--key, else the data
      folder's signing-key.pem); name the first thing that does not match, exit 1 if any.
  rekap kpps-token --tps CODE [--data DIR] [--db URL]
      Print a new bearer token for the KPPS of one TPS; it revokes the TPS's older tokens.
  rekap kpps-token --region CODE --csv [--data DIR] [--db URL]
      Provision every TPS below a region at once: CSV "tps,token" on stdout (older tokens revoked).
  rekap kpps-token --revoke (--tps CODE | --token TOKEN) [--data DIR] [--db URL]
      Revoke every token of a TPS, or one token (the token, or its uploader id kpps:... as
      submissions show it). Says what was revoked.
  rekap devices (--tps CODE | --region CODE) [--json] [--data DIR] [--db URL]
      List enrolled phones: id prefix (as the phone shows it), label, enrolled, last seen, revoked.
  rekap rebuild [--check] [--data DIR] [--db URL]
      Recompute every aggregate from the stored submissions (--check: only compare). Numbers
      only: \`rekap verify-blobs\` checks the photos.
  rekap verify-blobs [--data DIR] [--db URL] [--json]
      Re-hash every stored photo and name each bad one (missing, short, wrong hash); exit 1 if
      any. Read-only: runs beside \`rekap serve\`.
  rekap form template --ballot ppwp --json
      The official form's geometry in millimetres: markers, page-ID marker, boxes, bubbles.
  rekap form read PHOTO... --ballot ppwp --json [--dpt N]
      Read one form from the photos of its pages (any order): values, confidence, flags, verdict.
  rekap digits classify DIR --json
      Classify single digit-box crops: 0-9, or x for a crossed-out or empty box.
  rekap audit sirekap FILE.jsonl [--json]
      Anomalies in Sirekap-format TPS records (one a line): rule breaches, impossible values,
      incomplete records, likely misreads with proposals, neighbour outliers, duplicates.
  rekap import sirekap FILE.jsonl [--data DIR] [--db URL]
      Keep Sirekap-format TPS records beside Rekap's results (shown on the TPS page, never
      counted); the same file twice adds nothing. Prints imported, unchanged, unknown TPS, bad lines.
  rekap revoke-device --device ID [--data DIR] [--db URL]
      A lost or stolen phone stops signing for its TPS (its earlier signatures stay verifiable),
      and the token it enrolled with is revoked too. ID: the id or a unique prefix of 8+ characters.
  rekap verify-receipt RECEIPT [--server URL | --data DIR [--db URL]] [--json]
      Check a witness receipt (the QR text, or a file holding it): its signature offline, and
      with --server or --data that a published version has exactly the signed numbers and photos.
  rekap verify-dhasil FILE (--key KEY | --server URL) [--json]
      Check a level's D.Hasil (dhasil.json): the server's signature (KEY: base64url, or a file
      with it or with GET /api/v1/keys/server's answer) and its totals from its children.
  rekap export-archive --out FILE.tar [--ballot ppwp] [--signing-key FILE] [--data DIR] [--db URL]
      The bulk archive of a whole election (docs/archive-format.md): every TPS's counted result
      with its photos and device signature, every region's totals, every signed D.Hasil, the
      server key and the audit chain head, with a manifest of sha256 per file. Read-only.
  rekap verify-export FILE.tar [--json]
      Check an archive with nothing but the archive: the manifest's hashes, every photo against
      its sha256, every device signature and D.Hasil, every region total against the sum of the
      TPS below it. Names each failure; exit 1 if any.
  rekap worker --db URL --blobs s3://... --queue nats://... [--nats-replicas N] [--concurrency N]
      [--catch-up-every-s S]
      Read photos again off the API nodes: re-read jobs from NATS JetStream, outcomes into the
      database (once per version, however often a job comes), and the catch-up scan of what is due.
  rekap loadgen URL --tokens FILE [--tps N] [--ballots ppwp,...] [--curve 2024|tse|flat]
      [--speed X | --duration S] [--rate R] [--photo-kb KB] [--sign] [--resubmit SHARE] [--bad SHARE]
      [--concurrency N] [--region CODE] [--settle S] [--json]
      Replay an election night against any Rekap: FILE is kpps-token's CSV (tps,token[,dpt]); each
      TPS x ballot submits once along the curve (2024: from 13:00 WIB, Sirekap's evening; tse: 98.77%
      in about 3 h; flat: constant), compressed by --speed (3600: an hour a second) or fitted into
      --duration S, with a unique photo (default 200 KB) each. --sign enrols a device per TPS and
      signs (ppwp only). --resubmit and --bad: shares of all requests that are later versions or
      identical retries, and bad requests (forged token, cut photo, impossible numbers, a sum
      changed after signing) that must be refused with 4xx. Reports accepted/s, latency
      percentiles, answers by status and code, and how far the recap of --region (default id)
      was behind the acknowledged TPS; progress on stderr. Run the server with --rate-limit off:
      every request comes from one address. Exit 1 if a bad request was not refused with 4xx.
`;

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  serve: async (args) => (await import('./serve.ts')).serveCommand(args),
  'kpps-token': async (args) => (await import('./kpps-token.ts')).kppsTokenCommand(args),
  election: async (args) => (await import('./election.ts')).electionCommand(args),
  operator: async (args) => (await import('./operator.ts')).operatorCommand(args),
  rebuild: async (args) => (await import('./rebuild.ts')).rebuildCommand(args),
  // The reader and its model load only for the commands that use them.
  form: async (args) => (await import('./form.ts')).formCommand(args),
  digits: async (args) => (await import('./digits.ts')).digitsCommand(args),
  audit: async (args) => (await import('./audit.ts')).auditCommand(args),
  import: async (args) => (await import('./import.ts')).importCommand(args),
  'revoke-device': async (args) => (await import('./revoke-device.ts')).revokeDeviceCommand(args),
  devices: async (args) => (await import('./devices.ts')).devicesCommand(args),
  'verify-receipt': async (args) =>
    (await import('./verify-receipt.ts')).verifyReceiptCommand(args),
  'verify-blobs': async (args) => (await import('./verify-blobs.ts')).verifyBlobsCommand(args),
  'verify-dhasil': async (args) => (await import('./verify-dhasil.ts')).verifyDHasilCommand(args),
  'export-archive': async (args) =>
    (await import('./export-archive.ts')).exportArchiveCommand(args),
  'verify-export': async (args) => (await import('./verify-export.ts')).verifyExportCommand(args),
  worker: async (args) => (await import('./worker.ts')).workerCommand(args),
  loadgen: async (args) => (await import('./loadgen/index.ts')).loadgenCommand(args),
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
  if (wantsHelp(rest)) {
    process.stdout.write(commandUsage(name, rest));
    return 0;
  }
  try {
    return await command(rest);
  } catch (e) {
    process.stderr.write(`rekap ${name}: ${errorMessage(e)}\n`);
    if (!(e instanceof UsageError) && debugging())
      for (let c: unknown = e; c instanceof Error; c = c.cause)
        process.stderr.write(`${c === e ? '' : 'caused by: '}${c.stack ?? c.message}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}

/** `--help` or `-h` among a command's arguments (before a `--`). */
function wantsHelp(args: string[]): boolean {
  for (const a of args) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

/**
 * The part of USAGE about one command: each line `  rekap NAME ...` with the indented lines below
 * it. With a subcommand among the arguments (`rekap form read --help`), only its entries.
 */
export function commandUsage(name: string, args: string[] = []): string {
  const entries: string[][] = [];
  let current: string[] | undefined;
  for (const line of USAGE.split('\n')) {
    const head = /^ {2}rekap (\S+)/.exec(line);
    if (head) {
      current = head[1] === name ? [line] : undefined;
      if (current) entries.push(current);
    } else if (current && /^ {3,}\S/.test(line)) current.push(line);
    else current = undefined;
  }
  if (entries.length === 0) return USAGE;
  const sub = args.find((a) => !a.startsWith('-'));
  const narrowed = entries.filter((e) => e[0]!.split(/\s+/)[3] === sub);
  const chosen = narrowed.length > 0 ? narrowed : entries;
  return `${chosen.map((e) => e.join('\n')).join('\n')}\n`;
}

const debugging = () => process.env.REKAP_DEBUG === '1' || process.env.LOG_LEVEL === 'debug';

/** One line for any error: its message, or what a network error without one says. */
function errorMessage(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const inner =
    e instanceof AggregateError ? e.errors.map((x) => errorMessage(x)).join('; ') : undefined;
  const code = (e as NodeJS.ErrnoException).code;
  const text = e.message || inner || code || e.name;
  // A usage error may show the usage below its line; anything else is one line.
  return e instanceof UsageError ? text : text.replace(/\s*\n\s*/g, ' ').trim();
}
