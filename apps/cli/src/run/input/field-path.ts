/**
 * The value at a field path of a record: the field named exactly `path` when the object has one,
 * else the dotted path (`metadata.conv_id`, `a.b.0.c`); undefined when a step is missing.
 */
export function valueAt(record: unknown, path: string): unknown {
  if (typeof record === 'object' && record !== null && Object.hasOwn(record, path)) {
    return (record as Record<string, unknown>)[path]
  }
  let value = record
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) return undefined
    value = (value as Record<string, unknown>)[part]
  }
  return value
}
