// The published mark (publishMs): during ingest the public answers move at most once a window,
// and a change inside a window is still published, and announced, when it ends.
import { describe, expect, it } from 'vitest';
import type { Store } from '../store/store.ts';
import { changeMarks, type MarkEvent } from './change-mark.ts';

/** The parts of a store the marks use: this process's count and its change listeners. */
function fakeStore() {
  let own = 0;
  const listeners = new Set<() => void>();
  const store = {
    localMark: () => own,
    quickMark: () => undefined,
    changeMark: () => Promise.resolve(`${own}.x`),
    onLocalChange(l: () => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  } as unknown as Store;
  const write = () => {
    own++;
    for (const l of listeners) l();
  };
  return { store, write };
}

describe('change marks', () => {
  it('with publishMs 0, every write moves the mark at once', async () => {
    const { store, write } = fakeStore();
    const marks = changeMarks(store);
    const first = await marks.mark();
    write();
    expect(marks.current()).not.toBe(first);
    write();
    expect(marks.current()).toBe('2.x');
    marks.close();
  });

  it('within a window, readers keep the last published mark', async () => {
    const { store, write } = fakeStore();
    const marks = changeMarks(store, { publishMs: 60_000 });
    const first = await marks.mark();
    for (let i = 0; i < 50; i++) write();
    expect(marks.current()).toBe(first);
    marks.close();
  });

  it('a change inside a window is published and announced when the window ends', async () => {
    const { store, write } = fakeStore();
    const marks = changeMarks(store, { publishMs: 200 });
    const first = await marks.mark();
    const heard: MarkEvent[] = [];
    marks.subscribe((e) => heard.push(e));
    write();
    write();
    write();
    // No other write follows: the timer alone must publish the newest mark.
    // (On a slow machine the first write may land after the window and be published at once.)
    const last = () => heard.at(-1);
    for (let i = 0; i < 200 && last()?.type !== 'change'; i++)
      await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 200 && (last() as { mark?: string })?.mark !== '3.x'; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(last()).toEqual({ type: 'change', mark: '3.x' });
    expect(heard.length).toBeLessThanOrEqual(2);
    expect(marks.current()).toBe('3.x');
    expect(first).toBe('0.x');
    marks.close();
  });

  it('a nudge polls at once: a write of another node is seen before the next tick', async () => {
    const { store } = fakeStore();
    let external = 0;
    const polled = { ...store, changeMark: () => Promise.resolve(`0.${external}`) };
    // A poll interval far longer than the test: only the nudge can move the mark.
    const marks = changeMarks(polled, { pollMs: 3_600_000 });
    expect(await marks.mark()).toBe('0.0');
    const heard: MarkEvent[] = [];
    marks.subscribe((e) => heard.push(e));
    external = 7;
    marks.nudge();
    for (let i = 0; i < 200 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(heard).toEqual([{ type: 'change', mark: '0.7' }]);
    expect(marks.current()).toBe('0.7');
    marks.close();
  });
});
