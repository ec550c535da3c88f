/** One error of a cause chain, as plain data. */
export interface CauseLink {
  /** The error itself (the thrown value, for anything that is not an object). */
  error: unknown
  /** Its message, '' where it has none. */
  message: string
  /** Its string `code`, if any (`ERR_TIMEOUT`, `ECONNRESET`, ...). */
  code?: string
}

/**
 * The error and its `cause`s, outermost first, at most `depth` deep (a cycle or a very deep chain
 * stops there). The one walk behind every "what actually went wrong" message.
 */
export function causeChain(error: unknown, depth = 8): CauseLink[] {
  const links: CauseLink[] = []
  const seen = new Set<unknown>()
  let current: unknown = error
  for (let i = 0; i < depth && !seen.has(current); i++) {
    if (typeof current !== 'object' || current === null) {
      if (i === 0 || current !== undefined) links.push({ error: current, message: String(current) })
      break
    }
    const { message, code } = current as { message?: unknown; code?: unknown }
    const link: CauseLink = { error: current, message: typeof message === 'string' ? message : '' }
    if (typeof code === 'string') link.code = code
    links.push(link)
    seen.add(current)
    current = (current as { cause?: unknown }).cause
  }
  return links
}

/** The messages of a cause chain joined with ': ', each said once (a wrapper that repeats its cause's text adds nothing). */
export function chainMessage(error: unknown, depth = 8): string {
  const messages: string[] = []
  for (const { message } of causeChain(error, depth)) {
    if (message !== '' && !messages.some((m) => m.includes(message))) messages.push(message)
  }
  return messages.length > 0 ? messages.join(': ') : String(error)
}

/** The message of any thrown value: an Error's own message, else the value as text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
