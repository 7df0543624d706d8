// A generated public read by code as a request.
import type { ReadSpec } from '../generators/reads.ts';
import type { RawRequest } from '../http.ts';
import { type Rig, sha256 } from './rig.ts';
import { UNKNOWN_TPS } from './election.ts';

export function buildRead(rig: Rig, r: ReadSpec): RawRequest {
  const { readTps, readPhoto } = rig;
  const c = r.code;
  const regions = ['id', '16', '16.08', readTps.code.slice(0, 8), readTps.code.slice(0, 13)];
  let code: string;
  switch (c.kind) {
    case 'knownTps':
      code = c.packed ? readTps.code.replaceAll('.', '') : readTps.code;
      break;
    case 'knownRegion':
      code = regions[c.level]!;
      break;
    case 'knownPhoto':
      code = readPhoto;
      break;
    case 'unknown':
      code = r.route === 'photo' ? sha256('nothing') : r.route === 'tps' ? UNKNOWN_TPS : '16.08.99';
      break;
    case 'raw':
      code = c.encode ? encodeURIComponent(c.text) : c.text;
      break;
  }
  if (c.kind !== 'raw') code = encodeURIComponent(code);
  const q = r.query === null ? '' : r.query;
  const target = {
    tps: `/api/v1/tps/${code}${q ? `?${q}` : ''}`,
    results: `/api/v1/results/${code}${q ? `?${q}` : ''}`,
    observations: `/api/v1/signal/observations?region=${code}${q ? `&${q}` : ''}`,
    photo: `/api/v1/photos/${code}${q ? `?${q}` : ''}`,
  }[r.route];
  return { method: 'GET', target, headers: [] };
}
