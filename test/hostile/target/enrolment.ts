// A generated device enrolment as a request.
import { randomBytes } from 'node:crypto';
import { generateDeviceKey, toBase64Url } from '../../../src/core/receipt.ts';
import type { EnrolSpec } from '../generators/enrolment.ts';
import type { RawAnswer, RawRequest } from '../http.ts';
import { authHeader, tpsText } from './credentials.ts';
import { type Kpps, parseJson, type Rig } from './rig.ts';

export async function keyJson(
  rig: Rig,
  k: NonNullable<Extract<EnrolSpec['body'], { kind: 'object' }>['key']>,
  again: string | undefined,
  other: Kpps,
): Promise<string> {
  const { enrolKey } = rig;
  switch (k.kind) {
    case 'fresh':
      return JSON.stringify((await generateDeviceKey()).publicKey);
    case 'again':
      return JSON.stringify(again);
    case 'otherTps':
      return JSON.stringify((await enrolKey(other)).publicKey);
    case 'allZero':
      return JSON.stringify(toBase64Url(new Uint8Array(32)));
    case 'weak':
      return JSON.stringify(toBase64Url(Buffer.from(k.hex, 'hex')));
    case 'length':
      return JSON.stringify(toBase64Url(randomBytes(k.bytes)));
    case 'padded':
      return JSON.stringify(`${(await generateDeviceKey()).publicKey}=`);
    case 'raw':
      return k.json;
  }
}

export async function buildEnrol(rig: Rig, e: EnrolSpec, own: Kpps, otherOf: () => Promise<Kpps>) {
  const { server, enrolKey } = rig;
  const other = await otherOf();
  let again: string | undefined;
  const b = e.body;
  if (b.kind === 'object' && b.key?.kind === 'again') again = (await enrolKey(own)).publicKey;
  if (e.quotaUsed) {
    const already = again ? 1 : 0;
    for (let i = already; i < 2; i++) await enrolKey(own);
  }
  let text: string;
  if (b.kind === 'raw') text = b.text;
  else {
    const entries: [string, string][] = [];
    if (b.tps) entries.push(['tps', JSON.stringify(tpsText(b.tps, own, other))]);
    const k = b.key;
    if (k) entries.push(['publicKey', await keyJson(rig, k, again, other)]);
    if (b.label.kind === 'text') entries.push(['label', JSON.stringify(b.label.text)]);
    if (b.label.kind === 'raw') entries.push(['label', b.label.json]);
    if (b.extra) entries.push([b.extra[0], b.extra[1]]);
    text = `{${entries.map(([key, v]) => `${JSON.stringify(key)}:${v}`).join(',')}}`;
  }
  // The credential after the set-up: revoking a device may close the token the set-up used.
  const auth = await authHeader(rig, e.auth, own, otherOf);
  const headers: [string, string][] = auth ? [auth] : [];
  if (e.contentType !== null) headers.push(['content-type', e.contentType]);
  const afterAccept = async (a: RawAnswer) => {
    const id =
      a.kind === 'answer'
        ? (parseJson(a.body) as { deviceId?: string } | undefined)?.deviceId
        : undefined;
    if (!id) return 'the answer has no deviceId';
    const d = await server.store.device(id);
    return d && d.tps === own.code && !d.revokedAt
      ? undefined
      : `device ${id} is not enrolled for ${own.code}`;
  };
  return {
    req: {
      method: 'POST',
      target: '/api/v1/kpps/devices',
      headers,
      body: Buffer.from(text, 'utf8'),
    } satisfies RawRequest,
    afterAccept,
  };
}
