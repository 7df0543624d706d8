// Photos uploaded ahead of their submission (tus, resumable): kept at once, with a record of the
// TPS that sent each, so that the submission can name them by hash instead of carrying them.
import type { Kysely } from 'kysely';
import type { TpsCode } from '../core/codes.ts';
import { jsonColumn, StoredPhotosSchema } from './rows.ts';
import type { Database } from './schema.ts';
import type { PhotoRecord } from './submissions.ts';

/** Records a photo whose bytes are already in the blob store, and who uploaded it. */
export async function keepUploadedPhoto(
  db: Kysely<Database>,
  photo: PhotoRecord,
  by: { tps: TpsCode; uploader: string },
  now: Date,
): Promise<PhotoRecord> {
  const at = now.toISOString();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('photos')
      .values({
        sha256: photo.sha256,
        size: photo.size,
        content_type: photo.contentType,
        width: photo.width,
        height: photo.height,
        location: photo.location,
        created_at: at,
      })
      .onConflict((oc) => oc.column('sha256').doNothing())
      .execute();
    await trx
      .insertInto('photo_uploads')
      .values({ sha256: photo.sha256, tps_code: by.tps, uploader: by.uploader, uploaded_at: at })
      .onConflict((oc) => oc.columns(['sha256', 'tps_code']).doNothing())
      .execute();
  });
  return photo;
}

export async function uploadedPhotos(
  db: Kysely<Database>,
  tps: TpsCode,
  hashes: string[],
): Promise<Map<string, PhotoRecord>> {
  if (hashes.length === 0) return new Map();
  const rows = await db
    .selectFrom('photo_uploads')
    .innerJoin('photos', 'photos.sha256', 'photo_uploads.sha256')
    .select([
      'photos.sha256',
      'photos.size',
      'photos.content_type',
      'photos.width',
      'photos.height',
      'photos.location',
    ])
    .where('photo_uploads.tps_code', '=', tps)
    .where('photo_uploads.sha256', 'in', hashes)
    .execute();
  return new Map(
    rows.map((r) => [
      r.sha256,
      {
        sha256: r.sha256,
        size: r.size,
        contentType: r.content_type,
        width: r.width,
        height: r.height,
        location: r.location,
      },
    ]),
  );
}

/**
 * How many photos this TPS uploaded after `since` that none of its submissions names (the
 * unreferenced-photo quota). A TPS has a few submissions, each naming a few photos.
 */
export async function unreferencedUploads(
  db: Kysely<Database>,
  tps: TpsCode,
  since: Date,
): Promise<number> {
  const uploads = await db
    .selectFrom('photo_uploads')
    .select('sha256')
    .where('tps_code', '=', tps)
    .where('uploaded_at', '>', since.toISOString())
    .execute();
  if (uploads.length === 0) return 0;
  const named = new Set<string>();
  const submissions = await db
    .selectFrom('submissions')
    .select(['id', 'photos'])
    .where('tps_code', '=', tps)
    .execute();
  for (const s of submissions)
    for (const h of jsonColumn(StoredPhotosSchema, s.photos, {
      table: 'submissions',
      id: s.id,
      column: 'photos',
    }))
      named.add(h);
  return uploads.filter((u) => !named.has(u.sha256)).length;
}
