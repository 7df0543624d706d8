// The region map beside the table (issue 13): region-view.ts gives it a slot and the region shown.
// Until the map lands this shows nothing; the table is the whole page.
import type { RegionResult } from './api.ts';
import type { Lang } from '../shared/i18n.ts';

export function mountMap(slot: HTMLElement, region: RegionResult, lang: Lang): void {
  slot.hidden = true;
  void region;
  void lang;
}
