// rekap devices --tps CODE | --region CODE [--json]: the enrolled phones of a TPS or of every TPS
// below a region, with the id prefix the phone shows, its label, when it enrolled, when it was last
// seen (its newest signed submission, else its enrolment) and when it was revoked.
import { parseRegionCode, parseTpsCode } from '../core/codes.ts';
import { DEVICE_PREFIX_LENGTH, type DeviceListing } from '../store/devices.ts';
import { openStore } from '../store/store.ts';
import { UsageError } from './usage.ts';
import { parse, storeOptions } from './options.ts';

/** A label as a terminal may show it: control characters (kept by older stores) become `?`. */
export const printable = (text: string): string =>
  // eslint-disable-next-line no-control-regex -- control characters are what this looks for
  text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

export async function devicesCommand(args: string[]): Promise<number> {
  const o = parse(args, {
    ...storeOptions,
    tps: { type: 'string' },
    region: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (!o.tps === !o.region) throw new UsageError('give exactly one of --tps CODE or --region CODE');
  const tps = o.tps === undefined ? undefined : parseTpsCode(o.tps);
  if (o.tps !== undefined && !tps)
    throw new UsageError(`not a TPS code: ${o.tps} (e.g. 16.08.01.1007.001 or 1608011007001)`);
  const region = o.region === undefined ? undefined : parseRegionCode(o.region);
  if (o.region !== undefined && !region) throw new UsageError(`not a region code: ${o.region}`);
  const store = await openStore({ dataDir: o.data, dbUrl: o.db, writePhotos: false });
  try {
    const known = tps ? Boolean(await store.tps(tps)) : (await store.tpsBelow(region!)).length > 0;
    if (!known) {
      process.stderr.write(
        `rekap devices: no TPS ${tps ?? `below ${region}`} in the election at ${store.describe}\n`,
      );
      return 1;
    }
    const devices = await store.devices(tps ? { tps } : { region: region! });
    if (o.json) {
      process.stdout.write(`${JSON.stringify(devices.map(toJson), null, 2)}\n`);
      return 0;
    }
    const where = tps ? `TPS ${tps}` : `below ${region}`;
    if (devices.length === 0) {
      process.stdout.write(`tidak ada perangkat / no devices ${where}\n`);
      return 0;
    }
    const active = devices.filter((d) => !d.revokedAt).length;
    process.stdout.write(
      `${devices.length} perangkat / devices ${where} (${active} active, ${devices.length - active} revoked)\n` +
        table(devices),
    );
    return 0;
  } finally {
    await store.close();
  }
}

const toJson = (d: DeviceListing) => ({
  id: d.id,
  prefix: d.id.slice(0, DEVICE_PREFIX_LENGTH),
  tps: d.tps,
  label: d.label,
  enrolledAt: d.enrolledAt,
  lastSeenAt: d.lastSeenAt,
  revokedAt: d.revokedAt,
  enrolledWith: d.enrolledWith,
});

function table(devices: DeviceListing[]): string {
  const rows = [
    ['device', 'tps', 'label', 'enrolled', 'last seen', 'revoked', 'token'],
    ...devices.map((d) => [
      d.id.slice(0, DEVICE_PREFIX_LENGTH),
      d.tps,
      printable(d.label ?? '-').slice(0, 40),
      d.enrolledAt,
      d.lastSeenAt,
      d.revokedAt ?? '-',
      d.enrolledWith,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map(
      (r) =>
        `${r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('');
}
