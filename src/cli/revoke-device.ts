// rekap revoke-device --device ID: a lost or stolen phone stops signing for its TPS. ID is the
// device id, or any unique prefix of at least 8 characters (the phone shows the first 8). The
// device row is kept (its signatures on earlier versions stay verifiable); results it signs from
// now on are refused with 403 unknown_device, and the TPS still needs signed results. The token it
// enrolled with is revoked with it, so whoever holds that token cannot enrol a fresh key: the
// operator issues a new token (`rekap kpps-token --tps CODE`) for the replacement phone.
import { DEVICE_PREFIX_LENGTH, type Device } from '../store/devices.ts';
import { openStore, type Store } from '../store/store.ts';
import { printable } from './devices.ts';
import { UsageError } from './usage.ts';
import { parse, storeOptions } from './options.ts';

export async function revokeDeviceCommand(args: string[]): Promise<number> {
  const o = parse(args, { ...storeOptions, device: { type: 'string' } });
  if (!o.device)
    throw new UsageError(
      `--device ID is required (the deviceId the phone got when it enrolled, or its first ${DEVICE_PREFIX_LENGTH} characters as the phone shows them)`,
    );
  const store = await openStore({ dataDir: o.data, dbUrl: o.db, writePhotos: false });
  try {
    const device = await findDevice(store, o.device.trim());
    if (!device) return 1;
    if (device.revokedAt) {
      process.stdout.write(
        `device ${device.id} of TPS ${device.tps} was already revoked at ${device.revokedAt}\n`,
      );
      return 0;
    }
    await store.revokeDevice(device.id);
    const after = await store.device(device.id);
    const [token] = await store.tokens({ uploader: device.enrolledWith });
    const siblings = (await store.devices({ tps: device.tps })).filter(
      (d) => d.enrolledWith === device.enrolledWith && d.id !== device.id && !d.revokedAt,
    );
    process.stdout.write(
      `revoked device ${device.id} of TPS ${device.tps} (${printable(device.label ?? 'no label')}) at ${after?.revokedAt ?? '?'}; ` +
        'results it signs from now on are refused, and the TPS needs a newly enrolled phone.\n' +
        `The token it enrolled with (${device.enrolledWith}) is ${token?.revokedAt ? 'revoked too' : 'not in this store'}, ` +
        `so it cannot enrol another key: issue a new token for the replacement phone with \`rekap kpps-token --tps ${device.tps}\`.\n` +
        (siblings.length > 0
          ? `Other devices enrolled with that token keep signing but cannot send with it; enrol them again with the new token: ${siblings.map((d) => d.id.slice(0, DEVICE_PREFIX_LENGTH)).join(', ')}\n`
          : ''),
    );
    return 0;
  } finally {
    await store.close();
  }
}

/** The one device an id or prefix names; otherwise says why not (on stderr) and answers undefined. */
async function findDevice(store: Store, given: string): Promise<Device | undefined> {
  const exact = await store.device(given.toLowerCase());
  if (exact) return exact;
  if (given.length < DEVICE_PREFIX_LENGTH) {
    process.stderr.write(
      `rekap revoke-device: no device ${given} (give the whole id or at least its first ${DEVICE_PREFIX_LENGTH} characters)\n`,
    );
    return undefined;
  }
  const candidates = await store.devicesByPrefix(given);
  if (candidates.length === 1) return candidates[0];
  if (candidates.length === 0) {
    process.stderr.write(`rekap revoke-device: no device ${given}\n`);
    return undefined;
  }
  process.stderr.write(
    `rekap revoke-device: ${given} is the start of ${candidates.length}${candidates.length >= 20 ? ' or more' : ''} devices; give more of the id:\n` +
      candidates
        .map(
          (d) =>
            `  ${d.id}  TPS ${d.tps}  ${printable(d.label ?? '(no label)')}  enrolled ${d.enrolledAt}${d.revokedAt ? `  revoked ${d.revokedAt}` : ''}\n`,
        )
        .join(''),
  );
  return undefined;
}
