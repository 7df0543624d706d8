// The ingest benchmark's photo: one realistic-sized JPEG made unique per request by a stamped
// counter. It lives with `rekap loadgen` (src/cli/loadgen/photo.ts), which replays the same load
// against any server; the benchmarks take it from there.
export {
  assertDecodable,
  makeStampablePhoto,
  writeStamp,
  type StampablePhoto,
} from '../src/cli/loadgen/photo.ts';
