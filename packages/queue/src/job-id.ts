/**
 * The BullMQ job id of an item's key. BullMQ refuses ids that are integers or contain `:`, so every id
 * gets the `k-` prefix and `%` and `:` are percent-encoded: two different keys never share an id, and
 * the same key always gives the same id, which is what makes re-adding after a crash a no-op.
 */
export function jobIdOf(key: string | number): string {
  return `k-${String(key).replaceAll('%', '%25').replaceAll(':', '%3A')}`
}
