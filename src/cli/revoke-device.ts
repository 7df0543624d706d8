// rekap revoke-device --device ID: a lost or stolen phone stops signing for its TPS. The device
// row is kept (its signatures on earlier versions stay verifiable); results it signs from now on
// are refused with 403 unknown-device, and the TPS still needs signed results (enrol a new phone).
import { openStore } from '../store/store.ts';
import { UsageError } from './main.ts';
import { parse, storeOptions } from './options.ts';

export async function revokeDeviceCommand(args: string[]): Promise<number> {
  const o = parse(args, { ...storeOptions, device: { type: 'string' } });
  if (!o.device)
    throw new UsageError('--device ID is required (the deviceId the phone got when it enrolled)');
  const store = await openStore({ dataDir: o.data, dbUrl: o.db });
  try {
    const device = await store.device(o.device);
    if (!device) {
      process.stderr.write(`rekap revoke-device: no device ${o.device}\n`);
      return 1;
    }
    if (device.revokedAt) {
      process.stdout.write(
        `device ${device.id} of TPS ${device.tps} was already revoked at ${device.revokedAt}\n`,
      );
      return 0;
    }
    await store.revokeDevice(device.id);
    const after = await store.device(device.id);
    process.stdout.write(
      `revoked device ${device.id} of TPS ${device.tps} (${device.label ?? 'no label'}) at ${after?.revokedAt ?? '?'}; ` +
        'results it signs from now on are refused, and the TPS needs a newly enrolled phone\n',
    );
    return 0;
  } finally {
    await store.close();
  }
}
