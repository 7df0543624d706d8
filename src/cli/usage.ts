// A command's arguments were wrong: `rekap` prints the message (with any usage it carries) and
// exits 2. Its own module, so the commands and `main.ts`, which loads them, do not import each other.
export class UsageError extends Error {}
