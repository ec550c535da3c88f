/** `0 (number)`, `'x' (string)`, `null`: how an unexpected value is named in an error message. */
export function describeValue(value: unknown): string {
  if (value === null) return '`null`'
  if (value === undefined) return '`undefined`'
  if (typeof value === 'function') return `\`[function ${value.name || 'anonymous'}]\` (function)`
  if (typeof value === 'string') return `\`${JSON.stringify(value)}\` (string)`
  if (typeof value === 'object') {
    const kind = Array.isArray(value) ? 'array' : (value.constructor?.name ?? 'object')
    return `\`${kind}\` (object)`
  }
  return `\`${String(value)}\` (${typeof value})`
}
