// The `ballot` query parameter of the public reads: ppwp when absent, else one of Rekap's ballots,
// or 400 `unknown_ballot` (quoted, bounded). One reader for every route that takes it.
import { BallotSchema, type Ballot } from '../core/ballots.ts';
import { describeValue, quote } from '../core/problems.ts';
import { err, ok, type Result } from '../core/result.ts';
import { apiError, type ApiError } from './errors.ts';

export function ballotOf(query: unknown): Result<Ballot, ApiError> {
  const raw = (query as { ballot?: unknown } | undefined)?.ballot ?? 'ppwp';
  const parsed = BallotSchema.safeParse(raw);
  return parsed.success
    ? ok(parsed.data)
    : err(
        apiError(
          'unknown_ballot',
          `unknown ballot ${typeof raw === 'string' ? quote(raw) : describeValue(raw)} (one of ${BallotSchema.options.join(', ')})`,
        ),
      );
}
