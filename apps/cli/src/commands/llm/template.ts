import { valueAt } from '../../run/input/field-path'

/** `{{ field }}` or `{{ a.b.c }}` in a template. */
const PLACEHOLDER = /\{\{\s*([^{}\s]+)\s*\}\}/g

function text(value: unknown): string {
  if (Array.isArray(value)) return value.map(text).join('\n')
  if (typeof value === 'object' && value !== null) return JSON.stringify(value)
  return String(value)
}

/**
 * Fills each `{{path}}` of `template` from `record` (dotted paths; an array becomes its items joined
 * with newlines, an object its JSON). Resolves with the text, or why the record cannot fill it.
 */
export function fillTemplate(template: string, record: unknown): { text: string } | { reason: string } {
  const missing: string[] = []
  const filled = template.replace(PLACEHOLDER, (_match, path: string) => {
    const value = valueAt(record, path)
    if (value === undefined || value === null) {
      missing.push(path)
      return ''
    }
    return text(value)
  })
  if (missing.length > 0) {
    return {
      reason: `field${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} of --template missing`,
    }
  }
  return { text: filled }
}
