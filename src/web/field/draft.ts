// The ballot being photographed and reviewed, one per mode: in memory until it is signed, and kept
// on the phone as it changes (the photos at once, the review shortly after the last edit), so an
// app that was closed comes back where it was.
import type { FormReading } from '../../reader/read-form.ts';
import type { FieldDb } from './db.ts';
import { activeMode } from './mode.ts';
import type { PhotoAdded, ReaderClient } from './worker-protocol.ts';

export type DraftPhoto = PhotoAdded & { bitmap?: ImageBitmap };

export type Draft = {
  photos: DraftPhoto[];
  busy: number;
  reading?: FormReading;
  values: Record<string, number | null>;
  touched: Set<string>;
  breachConfirmed: boolean;
};

const newDraft = (): Draft => ({
  photos: [],
  busy: 0,
  values: {},
  touched: new Set(),
  breachConfirmed: false,
});

export type Drafts = {
  /** The active mode's draft, in memory. */
  readonly current: Draft;
  /** The next photo's name, `foto-N.jpg`, counting on from the photos restored. */
  nextPhotoName(): string;
  /** Keeps the photos (and forgets the review, which no longer matches them). */
  savePhotos(): Promise<void>;
  /** Keeps the review, shortly after the last edit. */
  saveReview(): void;
  /** Brings back the active mode's draft after the app was closed (once). */
  restore(): Promise<void>;
  /** The other mode has its own draft: forget this one's in memory (it stays saved). */
  forget(): void;
  /** The draft was signed and queued: drop it, in memory and on the phone. */
  discard(): Promise<void>;
};

export function keepDrafts(db: FieldDb, reader: ReaderClient): Drafts {
  let draft = newDraft();
  let photoCounter = 0;
  let reviewSave: ReturnType<typeof setTimeout> | undefined;
  let restoring: Promise<void> | undefined;
  const photosKey = () => `${activeMode()}/photos`;
  const reviewKey = () => `${activeMode()}/review`;
  const dropPhotos = () => {
    for (const p of draft.photos) void reader.drop(p.name);
  };
  return {
    get current() {
      return draft;
    },
    nextPhotoName: () => `foto-${++photoCounter}.jpg`,
    async savePhotos() {
      await db.drafts.put({
        key: photosKey(),
        photos: draft.photos.map(({ bitmap: _b, ...p }) => p),
      });
      await db.drafts.delete(reviewKey());
    },
    saveReview() {
      clearTimeout(reviewSave);
      reviewSave = setTimeout(() => {
        if (draft.reading)
          void db.drafts.put({
            key: reviewKey(),
            reading: draft.reading,
            values: draft.values,
            touched: [...draft.touched],
          });
      }, 300);
    },
    restore() {
      restoring ??= (async () => {
        const saved = await db.drafts.get(photosKey());
        if (!saved?.photos || draft.photos.length > 0) return;
        for (const p of saved.photos) {
          await reader.restore(p.name, p.jpeg);
          draft.photos.push({ ...p, bitmap: await createImageBitmap(p.jpeg) });
          photoCounter = Math.max(photoCounter, Number(/\d+/.exec(p.name)?.[0] ?? 0));
        }
        const review = await db.drafts.get(reviewKey());
        if (review?.reading) {
          draft.reading = review.reading;
          draft.values = review.values ?? {};
          draft.touched = new Set(review.touched);
        }
      })();
      return restoring;
    },
    forget() {
      dropPhotos();
      draft = newDraft();
      restoring = undefined;
    },
    async discard() {
      dropPhotos();
      draft = newDraft();
      clearTimeout(reviewSave);
      await db.drafts.bulkDelete([photosKey(), reviewKey()]);
    },
  };
}
