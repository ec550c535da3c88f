import { ServerError } from './errors'

const IMAGE_PATH = /^\/images\/[^/]+$/

const refuse = (index: number, raw: string, origin: string, reason: string): never => {
  throw new ServerError(
    'ERR_URL_NOT_ALLOWED',
    `urls/${index} must be an image URL of this server (${origin}/images/...): ${reason}, got ${JSON.stringify(raw.slice(0, 200))}`,
    { status: 400 },
  )
}

/**
 * Checks that `raw` is an image URL on this server's own origin and returns its path and query, the
 * only part of it the fetch uses (never the client's host). No SSRF: any other scheme, host, port or spelling is
 * refused before a request is made, including userinfo (`http://own@evil/`), other spellings of the
 * same address (`http://2130706433:port/`, `localhost`, `[::ffff:127.0.0.1]`) and paths outside
 * `/images/`. A URL must be written exactly as the WHATWG parser normalizes it, so no spelling trick
 * can mean one thing here and another to the fetch.
 */
export function ownImagePath(raw: string, index: number, origin: string): string {
  const own = new URL(origin)
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return refuse(index, raw, origin, 'not an absolute URL')
  }
  if (url.protocol !== own.protocol)
    return refuse(index, raw, origin, `scheme ${url.protocol} is not allowed`)
  if (url.username !== '' || url.password !== '') {
    return refuse(index, raw, origin, 'credentials in a URL are not allowed')
  }
  if (url.host !== own.host) return refuse(index, raw, origin, `host ${url.host} is not this server`)
  if (url.href !== raw) {
    return refuse(index, raw, origin, 'the URL is not in its normalized form')
  }
  if (!IMAGE_PATH.test(url.pathname)) return refuse(index, raw, origin, 'the path is not under /images/')
  return `${url.pathname}${url.search}`
}
