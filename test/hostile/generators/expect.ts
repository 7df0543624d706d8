// What the server must do with a generated case, and how several verdicts combine.

export type Expect = 'accept' | 'refuse' | 'either';

/** Refuse if anything must be refused; either if anything may go both ways; else accept. */
export function combine(all: Expect[]): Expect {
  if (all.includes('refuse')) return 'refuse';
  if (all.includes('either')) return 'either';
  return 'accept';
}
