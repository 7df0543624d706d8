// What every screen of the field app is given, made once by main.ts: the phone's database, the
// reader worker, the drafts, the sender and the element the screens are drawn in; and the few
// helpers the screens are built with.
import { h, type Child } from '../shared/dom.ts';
import type { Device, FieldDb } from './db.ts';
import type { Draft, Drafts } from './draft.ts';
import { activeMode } from './mode.ts';
import type { Sender } from './sender.ts';
import type { ReaderClient } from './worker-protocol.ts';

export type App = {
  db: FieldDb;
  reader: ReaderClient;
  drafts: Drafts;
  /** The active mode's draft (drafts.current), read when used. */
  readonly draft: Draft;
  sender: Sender;
  view: HTMLElement;
  /** Draws the screen the location's hash names. */
  route(): Promise<void>;
};

/** The enrolled device of the active mode, if any. */
export async function device(app: App): Promise<Device | undefined> {
  return app.db.devices.get(activeMode());
}

export function show(app: App, ...children: Child[]): void {
  app.view.replaceChildren(h('div', { class: 'screen' }, ...children));
}

export const button = (
  label: string,
  onClick: () => void,
  attrs: Record<string, string | boolean> = {},
) => {
  const b = h('button', { type: 'button', ...attrs }, label);
  b.addEventListener('click', onClick);
  return b;
};

export const link = (href: string, label: string, cls = 'btn') =>
  h('a', { href, class: cls }, label);
