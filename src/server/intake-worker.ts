// The CPU work of a submission that needs nothing but its bytes: each photo's sha256 and its check
// (photos.ts: the header, then the full decode), and the device signature's Ed25519 check. It runs
// on the intake pool's worker threads (intake-pool.ts), or inline on the request thread when the
// pool has no threads: the same function either way, so both give the same verdicts.
//
// Nothing here reads the database: the device and its public key are looked up by the request
// thread, which also decides what each verdict means for the answer (submit.ts).
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { verifySummary, type SignedSummary } from '../core/receipt.ts';
import { sha256Hex } from '../store/blobs.ts';
import { checkPhoto, type PhotoCheck } from './photos.ts';

/** A signature to check once the photos' hashes are known. */
export type SignatureToCheck = {
  /** The signed summary without its photos: they are the sent photos' hashes, then `photoRefs`. */
  summary: Omit<SignedSummary, 'photos'>;
  /** Photos uploaded before and named by hash; they follow the sent photos in page order. */
  photoRefs: string[];
  signature: string;
  publicKey: string;
};

/** What the request thread asks of one submission. */
export type IntakeTask = {
  /** The sent photos, in page order. A worker gets their ArrayBuffers transferred, not copied. */
  photos: Uint8Array[];
  signed?: SignatureToCheck;
};

/** The verdicts, in the photos' order. */
export type IntakeVerdicts = {
  /** The sha256 of each photo, hex. */
  hashes: string[];
  checks: PhotoCheck[];
  /**
   * Whether the signature verifies for the summary with these photos. Undefined when there was
   * none to check, or when a photo failed its check (the submission is refused for that first).
   */
  signatureValid?: boolean;
};

/** The verdicts, with the photos' bytes (from a worker: the same ArrayBuffers, moved back). */
export type IntakeAnswer = IntakeVerdicts & { photos: Uint8Array[] };

/** Hashes and checks the photos, then checks the signature over their hashes. */
export async function examine(task: IntakeTask): Promise<IntakeVerdicts> {
  const hashes: string[] = [];
  const checks: PhotoCheck[] = [];
  for (const bytes of task.photos) {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    hashes.push(sha256Hex(buffer));
    checks.push(await checkPhoto(buffer));
  }
  const s = task.signed;
  if (!s || checks.some((c) => !c.ok)) return { hashes, checks };
  const summary: SignedSummary = { ...s.summary, photos: [...hashes, ...s.photoRefs] };
  return { hashes, checks, signatureValid: await verifySummary(summary, s.signature, s.publicKey) };
}

/**
 * Piscina's entry: the verdicts, and the photos' ArrayBuffers moved back to the request thread,
 * which writes these very bytes to the photo store.
 */
export default async function intakeTask(task: IntakeTask): Promise<unknown> {
  const verdicts = await examine(task);
  const answer: IntakeAnswer = { ...verdicts, photos: task.photos };
  return move({
    get [transferableSymbol]() {
      return task.photos.map((p) => p.buffer);
    },
    get [valueSymbol]() {
      return answer;
    },
  });
}
