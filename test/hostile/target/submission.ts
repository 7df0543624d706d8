// A generated submission as bytes: its parts (results, photos, photo references uploaded first,
// a signature made now), the multipart framing, and whether an accepted one shows in the public API.
import { randomBytes, randomUUID } from 'node:crypto';
import {
  generateDeviceKey,
  type SignedSummary,
  signSummary,
  toBase64Url,
} from '../../../src/core/receipt.ts';
import { resultText } from '../generators/results.ts';
import type { SignatureSpec, SubmissionSpec } from '../generators/submissions.ts';
import type { RawAnswer } from '../http.ts';
import { authHeader } from './credentials.ts';
import { photoBytes } from './photos.ts';
import { describeAnswer, type EnrolledKey, type Kpps, parseJson, type Rig, sha256 } from './rig.ts';

export async function buildSubmission(
  rig: Rig,
  s: SubmissionSpec,
  own: Kpps,
  otherOf: () => Promise<Kpps>,
) {
  const { enrolKey, upload } = rig;
  const other = await otherOf();
  // What the TPS holds before the request: an enrolled device, uploaded photos.
  let device: EnrolledKey | undefined;
  if (s.enrolled) device = await enrolKey(own);
  const photoHashes: string[] = [];
  const refsHashes: string[] = [];
  const bodies: Buffer[] = [];
  let resultValue: unknown;
  const partBytes: (Buffer | { sig: SignatureSpec })[] = [];
  for (const p of s.parts) {
    const c = p.content;
    if (c.kind === 'result') {
      const text = resultText(c.result);
      if (resultValue === undefined)
        try {
          resultValue = JSON.parse(text);
        } catch {
          resultValue = null;
        }
      partBytes.push(Buffer.from(text, 'utf8'));
    } else if (c.kind === 'photo') {
      const b = await photoBytes(c.photo);
      if (p.name === 'photo') photoHashes.push(sha256(b));
      partBytes.push(b);
    } else if (c.kind === 'refs') {
      const r = c.refs;
      /** Uploads a new, valid photo for `k` through tus; answers its sha256. */
      const uploadFresh = async (k: Kpps) =>
        (
          await upload(
            k,
            await photoBytes({
              kind: 'valid',
              format: 'jpeg',
              width: 240,
              height: 320,
              seed: Math.floor(Math.random() * 1e9),
            }),
          )
        ).sha256;
      let text: string;
      if (r.kind === 'uploaded') {
        const hashes: string[] = [];
        for (let i = 0; i < r.count; i++) hashes.push(await uploadFresh(own));
        text = JSON.stringify(hashes);
        refsHashes.push(...hashes);
      } else if (r.kind === 'unknown') text = JSON.stringify([sha256(randomBytes(16))]);
      else if (r.kind === 'otherTps') text = JSON.stringify([await uploadFresh(other)]);
      else text = r.text;
      partBytes.push(Buffer.from(text, 'utf8'));
    } else if (c.kind === 'signature') {
      partBytes.push({ sig: c.sig });
    } else partBytes.push(Buffer.from(c.text, 'utf8'));
  }
  const allHashes = [...photoHashes, ...refsHashes];
  for (const b of partBytes)
    bodies.push(
      Buffer.isBuffer(b)
        ? b
        : Buffer.from(
            await signature(rig, b.sig, own, device, otherOf, resultValue, allHashes),
            'utf8',
          ),
    );
  // The credential last: revoking a device may close the token that the set-up used.
  const auth = await authHeader(rig, s.auth, own, otherOf);
  return { auth, other, device, photoHashes: allHashes, bodies };
}

export async function signature(
  rig: Rig,
  sig: SignatureSpec,
  own: Kpps,
  device: EnrolledKey | undefined,
  otherOf: () => Promise<Kpps>,
  result: unknown,
  photos: string[],
): Promise<string> {
  const { server, enrolKey } = rig;
  const signer =
    sig.device === 'revoked'
      ? await enrolKey(own).then(async (d) => {
          await server.store.revokeDevice(d.deviceId);
          return d;
        })
      : sig.device === 'otherTps'
        ? await enrolKey(await otherOf())
        : sig.device === 'enrolled' && device
          ? device
          : { ...(await generateDeviceKey()), deviceId: randomUUID() };
  const deviceId = signer.deviceId;
  const now = Date.now();
  const signedAt = {
    now: new Date(now - 5000).toISOString(),
    future1y: new Date(now + 365 * 86400_000).toISOString(),
    '2099': '2099-01-01T00:00:00.000Z',
    '1970': '1970-01-01T00:00:00.000Z',
    notIso: '2024-02-14 09:30',
    noMillis: new Date(now - 5000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  }[sig.signedAt];
  const r = (result ?? {}) as Record<string, unknown>;
  const summary: SignedSummary = {
    v: 1,
    tps: own.code,
    ballot: 'ppwp',
    result: (sig.tamper === 'numbers'
      ? { ...r, invalid: ((r.invalid as number) + 1) % 1000 }
      : r) as SignedSummary['result'],
    photos:
      sig.tamper === 'photoOrder'
        ? photos.length > 1
          ? [...photos].reverse()
          : [...photos, ...photos]
        : sig.tamper === 'otherPhoto'
          ? [sha256(randomBytes(8)), ...photos.slice(1)]
          : photos,
    signedAt,
    deviceId,
  };
  const signatureText =
    sig.tamper === 'randomBytes'
      ? toBase64Url(randomBytes(64))
      : sig.tamper === 'short'
        ? toBase64Url(randomBytes(32))
        : await signSummary(summary, signer.privateKey);
  return JSON.stringify({
    deviceId,
    signedAt,
    signature: signatureText,
    ...(sig.extraKey ? { extra: 1 } : {}),
  });
}

export function multipart(
  s: SubmissionSpec,
  bodies: Buffer[],
): { headers: [string, string][]; body: Buffer } {
  const boundary = `hostile${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  if (s.ending === 'preamble') chunks.push(Buffer.from('This is the preamble.\r\n'));
  s.parts.forEach((p, i) => {
    const head = [`--${boundary}`];
    if (!p.noDisposition)
      head.push(
        `Content-Disposition: form-data; name="${p.name}"${p.filename === null ? '' : `; filename="${p.filename}"`}`,
      );
    if (p.contentType !== null) head.push(`Content-Type: ${p.contentType}`);
    let content = bodies[i]!;
    if (s.ending === 'cutInPart' && i === s.parts.length - 1)
      content = content.subarray(0, Math.floor(content.length / 2));
    chunks.push(Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'utf8'), content);
    if (!(s.ending === 'cutInPart' && i === s.parts.length - 1)) chunks.push(Buffer.from('\r\n'));
  });
  if (s.parts.length === 0 && s.ending !== 'noClosing') chunks.push(Buffer.from(''));
  if (s.ending === 'closed' || s.ending === 'preamble')
    chunks.push(Buffer.from(`--${boundary}--\r\n`));
  if (s.ending === 'epilogue') chunks.push(Buffer.from(`--${boundary}--\r\nand an epilogue\r\n`));
  if (s.ending === 'noFinalCrlf') chunks.push(Buffer.from(`--${boundary}--`));
  const type = {
    form: `multipart/form-data; boundary=${boundary}`,
    formQuoted: `multipart/form-data; boundary="${boundary}"`,
    formCharset: `multipart/form-data; charset=utf-8; boundary=${boundary}`,
    noBoundary: 'multipart/form-data',
    emptyBoundary: 'multipart/form-data; boundary=',
    otherBoundary: `multipart/form-data; boundary=other${boundary}`,
    mixed: `multipart/mixed; boundary=${boundary}`,
    text: 'text/plain',
    json: 'application/json',
    absent: null,
  }[s.contentType];
  return { headers: type === null ? [] : [['content-type', type]], body: Buffer.concat(chunks) };
}

export async function visibleSubmission(
  rig: Rig,
  own: Kpps,
  a: RawAnswer,
  hashes: string[],
  deviceId?: string,
): Promise<string | undefined> {
  const { send, json } = rig;
  if (a.kind !== 'answer') return 'no answer';
  const body = parseJson(a.body) as { id?: string; hash?: string } | undefined;
  if (!body?.id || !body.hash)
    return `the answer has no id and hash: ${a.body.toString('utf8').slice(0, 200)}`;
  const view = await json('GET', `/api/v1/tps/${own.code}?ballot=ppwp`, null);
  const versions = (
    view.body as
      | {
          versions?: {
            id: string;
            hash: string;
            photos: { sha256: string; url: string }[];
            signature: { deviceId: string } | null;
          }[];
        }
      | undefined
  )?.versions;
  const version = versions?.find((v) => v.id === body.id);
  if (!version) return `submission ${body.id} is not in GET /api/v1/tps/${own.code}`;
  if (version.hash !== body.hash)
    return `GET shows hash ${version.hash}, the answer said ${body.hash}`;
  const shown = version.photos.map((p) => p.sha256);
  if (JSON.stringify(shown) !== JSON.stringify(hashes))
    return `GET shows photos ${shown.join(',')}, sent ${hashes.join(',')}`;
  for (const p of version.photos) {
    const r = await send({ method: 'GET', target: p.url, headers: [] });
    if (r.kind !== 'answer' || r.status !== 200) return `photo ${p.url}: ${describeAnswer(r)}`;
    if (sha256(r.body) !== p.sha256)
      return `photo ${p.url} serves bytes that hash to ${sha256(r.body)}`;
  }
  if (deviceId && version.signature?.deviceId !== deviceId)
    return `the version is not shown as signed by ${deviceId}`;
  return undefined;
}
