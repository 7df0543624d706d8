// Messages between the app and its reader worker.
import type { Result } from '../../core/result.ts';
import type { PageFailReason } from '../../reader/page/find-page.ts';
import type { FormReading } from '../../reader/read-form.ts';

/** What findPage made of a photo: the page and how sharp, or why it is not one. */
export type Guidance = Result<
  { page: 1 | 2 | 3 | null; blur: number; pxPerMm: number },
  { reason: PageFailReason; detail: string }
>;

export type PhotoAdded = {
  name: string;
  /** The compressed page photo: what is stored, signed (by its sha256) and sent. */
  jpeg: Blob;
  sha256: string;
  width: number;
  height: number;
  originalBytes: number;
  guidance: Guidance;
};

export type WorkerRequest =
  | { id: number; type: 'warm' }
  | { id: number; type: 'add'; name: string; file: Blob }
  | { id: number; type: 'restore'; name: string; jpeg: Blob }
  | { id: number; type: 'drop'; name: string }
  | { id: number; type: 'read'; names: string[]; registeredDpt: number | null };

export type WorkerResponse =
  | { id: number; type: 'warm' }
  | { id: number; type: 'added'; photo: PhotoAdded }
  | { id: number; type: 'dropped' }
  | { id: number; type: 'restored' }
  | { id: number; type: 'read'; reading: FormReading }
  | { id: number; type: 'error'; message: string };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The reader worker behind promises. */
export function readerClient(url = '/kpps/reader.js') {
  const worker = new Worker(url);
  let next = 1;
  const waiting = new Map<number, (r: WorkerResponse) => void>();
  worker.addEventListener('message', (e: MessageEvent<WorkerResponse>) => {
    waiting.get(e.data.id)?.(e.data);
    waiting.delete(e.data.id);
  });
  const call = (req: DistributiveOmit<WorkerRequest, 'id'>): Promise<WorkerResponse> =>
    new Promise((resolve) => {
      const id = next++;
      waiting.set(id, resolve);
      worker.postMessage({ ...req, id });
    });
  const fail = (r: WorkerResponse): never => {
    throw new Error(r.type === 'error' ? r.message : `unexpected answer ${r.type}`);
  };
  return {
    async warm(): Promise<void> {
      const r = await call({ type: 'warm' });
      if (r.type !== 'warm') fail(r);
    },
    async add(name: string, file: Blob): Promise<PhotoAdded> {
      const r = await call({ type: 'add', name, file });
      return r.type === 'added' ? r.photo : fail(r);
    },
    /** Takes back a photo compressed earlier (a saved draft), without compressing it again. */
    async restore(name: string, jpeg: Blob): Promise<void> {
      const r = await call({ type: 'restore', name, jpeg });
      if (r.type !== 'restored') fail(r);
    },
    async drop(name: string): Promise<void> {
      await call({ type: 'drop', name });
    },
    /** Reads the form from these photos, weighing the registered DPT of the TPS when known. */
    async read(names: string[], registeredDpt: number | null): Promise<FormReading> {
      const r = await call({ type: 'read', names, registeredDpt });
      return r.type === 'read' ? r.reading : fail(r);
    },
  };
}
export type ReaderClient = ReturnType<typeof readerClient>;
