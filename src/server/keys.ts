// The server's Ed25519 key, which signs every D.Hasil. Generated on first start into the data
// folder (`signing-key.pem`, PKCS#8, mode 0600), or read from `rekap serve --signing-key FILE`.
// Its public half is published (GET /api/v1/keys/server) so that anyone can check a D.Hasil
// without trusting the server that hands it out.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { DHasilSigner } from '../store/recaps.ts';

export const SIGNING_KEY_FILE = 'signing-key.pem';

export type ServerKey = DHasilSigner & {
  /** base64url of the raw 32-byte Ed25519 public key. */
  publicKey: string;
  /** Where it was read from. */
  file: string;
};

/** What GET /api/v1/keys/server answers. */
export type PublishedKey = { algorithm: 'Ed25519'; keyId: string; publicKey: string };

function serverKey(privateKey: KeyObject, file: string): ServerKey {
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new Error(`${file}: not an Ed25519 private key (${privateKey.asymmetricKeyType})`);
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const publicKey = jwk.x!;
  const raw = Buffer.from(publicKey, 'base64url');
  return {
    publicKey,
    keyId: createHash('sha256').update(raw).digest('hex').slice(0, 16),
    file,
    sign: (bytes) => sign(null, bytes, privateKey).toString('base64url'),
  };
}

/**
 * The key in `file` (from --signing-key); else `<dataDir>/signing-key.pem`, made on first start.
 * A key file that others may read is refused: whoever reads it can sign a D.Hasil as this server.
 */
export function loadServerKey(opts: { dataDir: string; file?: string | undefined }): ServerKey {
  const file = opts.file ?? join(opts.dataDir, SIGNING_KEY_FILE);
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || opts.file) throw e;
    const { privateKey } = generateKeyPairSync('ed25519');
    const text = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    // `wx`: two servers started at once on one folder cannot each write a key of their own.
    writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
    return serverKey(privateKey, file);
  }
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0)
    throw new Error(`${file}: the signing key may be read by others; chmod 600 it`);
  return serverKey(createPrivateKey(pem), file);
}

export const publishedKey = (k: ServerKey): PublishedKey => ({
  algorithm: 'Ed25519',
  keyId: k.keyId,
  publicKey: k.publicKey,
});
