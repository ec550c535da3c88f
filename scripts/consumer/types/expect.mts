/** Type-test helpers for the consumer check's type tests: `expectType<Equal<A, B>>()` fails to compile unless A is B. */
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false

export function expectType<_ extends true>(): void {}
