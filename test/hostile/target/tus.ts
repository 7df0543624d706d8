// A generated tus request (create, PATCH, HEAD, DELETE) as bytes, after the set-up it needs.
import { randomBytes } from 'node:crypto';
import type { TusSpec } from '../generators/tus.ts';
import type { RawAnswer, RawRequest } from '../http.ts';
import { authHeader } from './credentials.ts';
import { photoBytes } from './photos.ts';
import { describeAnswer, type Kpps, type Rig, sha256, tusMetadata } from './rig.ts';

export async function buildTus(rig: Rig, t: TusSpec, own: Kpps, otherOf: () => Promise<Kpps>) {
  const { server, send, createUpload } = rig;
  // The credential after the set-up: revoking a device may close the token the set-up used.
  const base = async (): Promise<[string, string][]> => {
    const auth = await authHeader(rig, t.auth, own, otherOf);
    return auth ? [auth] : [];
  };
  let afterAccept: (a: RawAnswer) => Promise<string | undefined> = () => Promise.resolve(undefined);
  const head = async (path: string) =>
    send({
      method: 'HEAD',
      target: path,
      headers: [
        ['authorization', `Bearer ${own.token}`],
        ['tus-resumable', '1.0.0'],
      ],
    });
  if (t.op === 'create') {
    const m = t.meta;
    const other = await otherOf();
    const meta: [string, string][] = [];
    const tps = {
      own: own.code,
      ownPacked: own.code.replaceAll('.', ''),
      other: other.code,
      garbage: 'garbage',
      absent: null,
    }[m.tps];
    if (tps !== null) meta.push(['tps', tps]);
    const hash = sha256(randomBytes(8));
    const sha = {
      right: hash,
      wrong: hash,
      upper: hash.toUpperCase(),
      short: hash.slice(1),
      absent: null,
      garbage: 'zz',
    }[m.sha256];
    if (sha !== null) meta.push(['sha256', sha]);
    meta.push(...m.extra);
    const headers: [string, string][] = [...(await base())];
    if (t.resumable !== null) headers.push(['tus-resumable', t.resumable]);
    if (t.length !== null) headers.push(['upload-length', t.length]);
    if (t.defer) headers.push(['upload-defer-length', '1']);
    headers.push(['upload-metadata', m.raw ?? tusMetadata(meta)]);
    afterAccept = async (a) => {
      const location = a.kind === 'answer' ? a.headers.location : undefined;
      if (!location) return 'no Location for the new upload';
      const h = await head(new URL(location, server.url).pathname);
      if (h.kind !== 'answer' || h.status !== 200 || h.headers['upload-offset'] !== '0')
        return `HEAD of the new upload: ${describeAnswer(h)} offset ${h.kind === 'answer' ? h.headers['upload-offset'] : ''}`;
      return undefined;
    };
    return {
      req: { method: 'POST', target: '/api/v1/uploads/', headers } satisfies RawRequest,
      afterAccept,
    };
  }
  if (t.op === 'patch') {
    const bytes = await photoBytes(t.photo);
    const hash = sha256(bytes);
    const path = await createUpload(own, bytes.length, {
      tps: own.code,
      sha256: t.declared === 'right' ? hash : sha256(randomBytes(8)),
    });
    const send_ =
      t.send === 'whole'
        ? bytes
        : t.send === 'half'
          ? bytes.subarray(0, Math.floor(bytes.length / 2))
          : Buffer.concat([bytes, randomBytes(100)]);
    const headers: [string, string][] = [
      ...(await base()),
      ['tus-resumable', '1.0.0'],
      ['upload-offset', t.offset === 'right' ? '0' : t.offset],
    ];
    if (t.contentType !== null) headers.push(['content-type', t.contentType]);
    afterAccept = async () => {
      if (t.send === 'half') {
        const h = await head(path);
        const want = String(send_.length);
        return h.kind === 'answer' && h.headers['upload-offset'] === want
          ? undefined
          : `HEAD after half a photo: ${describeAnswer(h)} offset ${h.kind === 'answer' ? h.headers['upload-offset'] : ''}, sent ${want}`;
      }
      const r = await send({ method: 'GET', target: `/api/v1/photos/${hash}`, headers: [] });
      if (r.kind !== 'answer' || r.status !== 200)
        return `the uploaded photo ${hash}: ${describeAnswer(r)}`;
      return sha256(r.body) === hash ? undefined : `photo ${hash} serves other bytes`;
    };
    return {
      req: { method: 'PATCH', target: path, headers, body: send_ } satisfies RawRequest,
      afterAccept,
    };
  }
  let path: string;
  const id = t.id;
  const some = await photoBytes({
    kind: 'valid',
    format: 'jpeg',
    width: 220,
    height: 220,
    seed: 3,
  });
  if (id.kind === 'own')
    path = await createUpload(own, some.length, { tps: own.code, sha256: sha256(some) });
  else if (id.kind === 'finished') {
    const bytes = await photoBytes({
      kind: 'valid',
      format: 'jpeg',
      width: 230,
      height: 230,
      seed: Math.floor(Math.random() * 1e9),
    });
    path = (await rig.upload(own, bytes)).path;
  } else if (id.kind === 'otherTps') {
    const other = await otherOf();
    path = await createUpload(other, some.length, { tps: other.code, sha256: sha256(some) });
  } else if (id.kind === 'random') path = `/api/v1/uploads/${randomBytes(16).toString('hex')}`;
  else path = `/api/v1/uploads/${id.text}`;
  const headers: [string, string][] = [...(await base()), ['tus-resumable', '1.0.0']];
  if (t.op === 'patchOther')
    headers.push(['upload-offset', '0'], ['content-type', 'application/offset+octet-stream']);
  if (t.op === 'delete')
    afterAccept = async () => {
      const h = await head(path);
      return h.kind === 'answer' && (h.status === 404 || h.status === 410)
        ? undefined
        : `HEAD after DELETE: ${describeAnswer(h)}`;
    };
  return {
    req: {
      method: { head: 'HEAD', delete: 'DELETE', patchOther: 'PATCH' }[t.op],
      target: path,
      headers,
      ...(t.op === 'patchOther' ? { body: randomBytes(10) } : {}),
    } satisfies RawRequest,
    afterAccept,
  };
}
