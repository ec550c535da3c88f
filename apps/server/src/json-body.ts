import type { FastifyInstance } from 'fastify'
import { ServerError } from './errors'

/** Longest path quoted in a refusal: a key can be as long as the body. */
const MAX_PATH_LENGTH = 200

/** A key the body parser refuses, and where it is (`messages[0].__proto__`). */
export interface ForbiddenKey {
  key: '__proto__' | 'constructor'
  path: string
}

function childPath(path: string, key: string, inArray: boolean): string {
  return inArray ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`
}

function forbiddenKeyOf(node: object): ForbiddenKey['key'] | undefined {
  if (Object.hasOwn(node, '__proto__')) return '__proto__'
  const made = Object.hasOwn(node, 'constructor') ? (node as { constructor: unknown }).constructor : undefined
  if (typeof made === 'object' && made !== null && Object.hasOwn(made, 'prototype')) return 'constructor'
  return undefined
}

/**
 * The first key of `text` that secure-json-parse (Fastify's JSON parser) refuses: `__proto__`, or
 * `constructor` holding a `prototype`, at any depth. Undefined when there is none or `text` is not
 * JSON. Walks without recursion: a body may nest deeper than the stack.
 */
export function forbiddenKey(text: string): ForbiddenKey | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  const pending: { node: unknown; path: string }[] = [{ node: value, path: '' }]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { node, path } = next
    if (typeof node !== 'object' || node === null) continue
    const inArray = Array.isArray(node)
    const key = inArray ? undefined : forbiddenKeyOf(node)
    if (key !== undefined) return { key, path: childPath(path, key, false) }
    // Reversed onto the stack, so the first key in the text is found first.
    for (const child of Object.keys(node).reverse()) {
      pending.push({ node: (node as Record<string, unknown>)[child], path: childPath(path, child, inArray) })
    }
  }
  return undefined
}

function refusal({ key, path }: ForbiddenKey): ServerError {
  const where = path.length > MAX_PATH_LENGTH ? `${path.slice(0, MAX_PATH_LENGTH)}...` : path
  const what = key === '__proto__' ? `'__proto__'` : `'constructor' holding a 'prototype'`
  return new ServerError(
    'ERR_FORBIDDEN_KEY',
    `The body has a key ${what} (at '${where}'), which is refused: it could change the prototype of an object`,
    { status: 400 },
  )
}

/**
 * Parses JSON bodies with Fastify's own parser, which refuses the keys above and answers them as
 * "Body is not valid JSON"; such a body is answered `ERR_FORBIDDEN_KEY` naming the key instead.
 * Only a refused body is read twice.
 */
export function installJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string // parseAs: 'string'
    parse(request, text, (error, value) => {
      const key = error ? forbiddenKey(text) : undefined
      done(key ? refusal(key) : error, value)
    })
  })
}
