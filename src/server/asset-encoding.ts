// The web pages' files (the portal, the field app: its code, model and wasm) sent compressed when
// the browser takes it: brotli or gzip by Accept-Encoding, each encoding made once per file, on
// first ask, and kept (the files never change while the server runs). A KPPS phone on 2G gets the
// field app's first install at about half its raw bytes (bench:field-weight). Files that do not
// shrink by a tenth (the photos' formats, the digit model's float16 weights) are sent as they are.
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

export type Encoding = 'br' | 'gzip';

/** The encoding to send for an Accept-Encoding header: brotli first, then gzip; none otherwise. */
export function chooseEncoding(accept: string | undefined): Encoding | undefined {
  if (!accept) return undefined;
  const offered = new Map<string, number>();
  for (const part of accept.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const weight = q ? Number(q.slice(2)) : 1;
    offered.set(name, Number.isFinite(weight) ? weight : 0);
  }
  const takes = (e: string) => (offered.get(e) ?? offered.get('*') ?? 0) > 0;
  return takes('br') ? 'br' : takes('gzip') ? 'gzip' : undefined;
}

/** One file's compressed forms, made on first ask; null where compressing does not pay. */
export function encodedAsset(body: Buffer): (e: Encoding) => Promise<Buffer | null> {
  const made = new Map<Encoding, Promise<Buffer | null>>();
  const worth = (packed: Buffer) => (packed.length <= body.length * 0.9 ? packed : null);
  return (e) => {
    let p = made.get(e);
    if (!p) {
      p = (
        e === 'br'
          ? brotli(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 9 } })
          : gz(body, { level: 9 })
      ).then(worth);
      made.set(e, p);
    }
    return p;
  };
}
