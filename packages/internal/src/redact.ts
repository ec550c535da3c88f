/**
 * Credentials out of what is printed: header values and URL parts that carry a secret. Logs keep
 * stderr, live pages are shared: a key typed on the command line must not reach either.
 */

/** Names (of headers, of URL query parameters) whose values are credentials. */
export const SECRET_NAME =
  /^(authorization|proxy-authorization|cookie|sig)$|key|token|secret|password|passwd|auth|signature/i

const QUERY_PARAMETER = /([?&])([^=&#]*)=([^&#]*)/g

/**
 * The URL with its credentials replaced by `***`: the password (`user:***@`), a user name given
 * without one (a token used as the user), and the value of every query parameter whose name reads
 * as a credential (`api_key=***`, `access_token=***`, `sig=***`). Anything else stays as written.
 * Text that is not a URL comes back unchanged.
 */
export function redactUrl(text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return text
  }
  let changed = false
  if (url.password !== '') {
    url.password = '***'
    changed = true
  } else if (url.username !== '') {
    url.username = '***'
    changed = true
  }
  const search = url.search.replace(QUERY_PARAMETER, (whole, lead: string, name: string) => {
    let decoded = name
    try {
      decoded = decodeURIComponent(name.replaceAll('+', ' '))
    } catch {}
    if (!SECRET_NAME.test(decoded)) return whole
    changed = true
    return `${lead}${name}=***`
  })
  if (!changed) return text
  url.search = search
  return url.toString()
}
