/**
 * `Symbol.asyncDispose`, or the well-known symbol Node registers for it where the global is missing
 * (older runtimes, some bundlers' targets), so `await using` and explicit `[asyncDispose]()` calls
 * find the same method on every boundkit resource.
 */
export const asyncDispose: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? (Symbol.for('nodejs.asyncDispose') as typeof Symbol.asyncDispose)
