// Which of the phone's two modes is active: live (the enrolled TPS, results are sent) or training
// (Bimtek: a practice TPS, nothing leaves the phone). Each mode has its own device and draft.
import type { Mode } from './db.ts';

const MODE_KEY = 'rekap-kpps-mode';

export const activeMode = (): Mode =>
  localStorage.getItem(MODE_KEY) === 'training' ? 'training' : 'live';

export function setMode(mode: Mode): void {
  localStorage.setItem(MODE_KEY, mode);
}
