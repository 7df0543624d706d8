// Which version of a TPS result counts, and whether the TPS needs a person, computed from its
// versions and the review events about them (the catalogue: src/contract/events.ts). Nothing here
// is stored: the store keeps `tps_status` as a cache of this function, and `rekap audit verify`
// recomputes it from the record.
//
// The rules:
// - A version is accepted when it is a correction, or when every hold on it came before the last
//   confirmation of it. Its holds are the rules it breaks (status `flagged`, held from its
//   arrival) and each re-read that disagreed with it.
// - The counted version is the latest accepted one. A new version that is not accepted leaves the
//   one before it counting, as a flagged submission always has.
// - An objection puts the TPS in review but does not stop its version counting (a witness cannot
//   take a TPS out of the totals by objecting); it stays open until it is answered or a newer
//   version arrives.
// - A photo request waits for the next version.

/** A version of the result, as the review needs it. `seq`: the event that recorded it. */
export type ReviewVersion = {
  version: number;
  seq: number;
  kind: 'submission' | 'correction';
  status: 'clean' | 'flagged';
  /** The rule codes a flagged version breaks. */
  flags: readonly string[];
};

/** The review events of one TPS and ballot, each about a version. */
export type ReviewEvent =
  | { seq: number; type: 'reread_disagrees'; version: number; fields: readonly string[] }
  | { seq: number; type: 'result_confirmed'; version: number }
  | { seq: number; type: 'photo_requested'; version: number }
  | { seq: number; type: 'objection_filed'; version: number }
  | { seq: number; type: 'objection_answered'; version: number; objection: number };

export const REVIEW_STATES = [
  'none',
  'counted',
  'corrected',
  'flagged',
  'in_review',
  'photo_requested',
] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];

/** Why a TPS needs a person (or waits for its KPPS). */
export type ReviewReason =
  | { code: 'rules'; version: number; rules: string[] }
  | { code: 'reread'; version: number; fields: string[]; seq: number }
  | { code: 'objection'; version: number; seq: number }
  | { code: 'photo_requested'; version: number; seq: number };

export type TpsReview = {
  state: ReviewState;
  /** The counted version, if any. */
  counted: number | null;
  latest: number | null;
  reasons: ReviewReason[];
};

/** The states that wait for an operator (the review queue). */
export const NEEDS_OPERATOR: ReadonlySet<ReviewState> = new Set(['flagged', 'in_review']);

export function reviewTps(
  versions: readonly ReviewVersion[],
  events: readonly ReviewEvent[],
): TpsReview {
  if (versions.length === 0) return { state: 'none', counted: null, latest: null, reasons: [] };
  const sorted = [...versions].sort((a, b) => a.version - b.version);
  const latest = sorted[sorted.length - 1]!;
  const lastConfirm = new Map<number, number>();
  const disagreements = new Map<number, { seq: number; fields: readonly string[] }[]>();
  for (const e of events) {
    if (e.type === 'result_confirmed')
      lastConfirm.set(e.version, Math.max(lastConfirm.get(e.version) ?? -1, e.seq));
    else if (e.type === 'reread_disagrees') {
      const list = disagreements.get(e.version) ?? [];
      list.push({ seq: e.seq, fields: e.fields });
      disagreements.set(e.version, list);
    }
  }
  /** The holds on a version not yet resolved by a confirmation. */
  const openHolds = (v: ReviewVersion): ReviewReason[] => {
    if (v.kind === 'correction') return [];
    const confirmed = lastConfirm.get(v.version) ?? -1;
    const holds: ReviewReason[] = [];
    // The rules hold a version from its arrival, so any confirmation of it comes after them.
    if (v.status === 'flagged' && confirmed < v.seq)
      holds.push({ code: 'rules', version: v.version, rules: [...v.flags] });
    for (const d of disagreements.get(v.version) ?? [])
      if (d.seq > confirmed)
        holds.push({ code: 'reread', version: v.version, fields: [...d.fields], seq: d.seq });
    return holds;
  };
  let counted: ReviewVersion | undefined;
  for (let i = sorted.length - 1; i >= 0 && !counted; i--)
    if (openHolds(sorted[i]!).length === 0) counted = sorted[i];

  const answered = new Set<number>();
  for (const e of events) if (e.type === 'objection_answered') answered.add(e.objection);
  const objections: ReviewReason[] = events.flatMap((e) =>
    e.type === 'objection_filed' && !answered.has(e.seq) && e.seq > latest.seq
      ? [{ code: 'objection' as const, version: e.version, seq: e.seq }]
      : [],
  );
  const photo = events.filter((e) => e.type === 'photo_requested' && e.seq > latest.seq).at(-1);
  const holds = openHolds(latest);
  const reasons: ReviewReason[] = [...holds, ...objections];
  if (photo) reasons.push({ code: 'photo_requested', version: photo.version, seq: photo.seq });
  const state: ReviewState = photo
    ? 'photo_requested'
    : holds.length > 0
      ? 'flagged'
      : objections.length > 0
        ? 'in_review'
        : counted?.kind === 'correction'
          ? 'corrected'
          : 'counted';
  return { state, counted: counted?.version ?? null, latest: latest.version, reasons };
}
