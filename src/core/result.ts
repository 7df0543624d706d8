// The one shape of an expected failure in Rekap: a function that can fail in a way its caller
// must handle (a bad photo, an unknown device, a signature that does not verify) returns a
// Result; exceptions are for what nobody expects (a bug, a broken disk). Told apart by `ok`, so
// TypeScript narrows `value` and `error` without any `'status' in x` probing.

export type Ok<T> = { readonly ok: true; readonly value: T };
export type Err<E> = { readonly ok: false; readonly error: E };
export type Result<T, E> = Ok<T> | Err<E>;

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });
export const err = <E>(error: E): Err<E> => ({ ok: false, error });

/** A Result's value under `f`; an error passes through unchanged. */
export function mapResult<T, U, E>(r: Result<T, E>, f: (value: T) => U): Result<U, E> {
  return r.ok ? ok(f(r.value)) : r;
}
