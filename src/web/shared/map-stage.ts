// The stage where a lazily loaded map goes, as the portal (portal/map-loader.ts) and the signal
// map (peta/main.ts) both show it: a button that loads the map, the box while it loads (with a
// line saying so), the box once drawn, and a line saying it could not be drawn; the page around
// it works without the map in every state.
import { h, type Child } from './dom.ts';

export type MapStageState = 'idle' | 'loading' | 'ready' | 'failed';

/** The stage's children in `state`, with the page's words for each. */
export function mapStage(
  state: MapStageState,
  box: HTMLElement,
  words: { show: string; loading: string; failed: string },
): Child[] {
  const status = (text: string) => h('p', { class: 'map-status muted small' }, text);
  switch (state) {
    case 'idle':
      return [
        h('button', { type: 'button', class: 'map-show', 'data-testid': 'map-show' }, words.show),
      ];
    case 'loading':
      return [box, status(words.loading)];
    case 'ready':
      return [box];
    case 'failed':
      return [status(words.failed)];
  }
}
