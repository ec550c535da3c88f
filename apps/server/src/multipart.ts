/** One part of a `multipart/form-data` body: its field name, its file name (a file part) and its bytes. */
export interface FormPart {
  name: string
  filename: string | undefined
  content: Buffer
}

const CRLF = Buffer.from('\r\n')
const HEADERS_END = Buffer.from('\r\n\r\n')

/** The boundary of a `multipart/form-data` content type, or undefined. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '')
  return match?.[1] ?? match?.[2]
}

function partOf(raw: Buffer): FormPart | undefined {
  const end = raw.indexOf(HEADERS_END)
  if (end < 0) return undefined
  const headers = raw.subarray(0, end).toString('utf8')
  const disposition = /^content-disposition:(.*)$/im.exec(headers)?.[1] ?? ''
  const name = /\bname="([^"]*)"/i.exec(disposition)?.[1]
  if (name === undefined) return undefined
  const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1]
  return { name, filename, content: raw.subarray(end + HEADERS_END.length) }
}

/**
 * The parts of a `multipart/form-data` body (RFC 7578), each a view of `body`'s bytes; undefined when the
 * body is not one (no first boundary, a part without a name, no closing boundary).
 */
export function parseMultipart(body: Buffer, boundary: string): FormPart[] | undefined {
  const delimiter = Buffer.from(`--${boundary}`)
  let at = body.indexOf(delimiter)
  if (at < 0) return undefined
  const parts: FormPart[] = []
  for (;;) {
    at += delimiter.length
    if (body.subarray(at, at + 2).toString() === '--') return parts
    if (!body.subarray(at, at + 2).equals(CRLF)) return undefined
    const next = body.indexOf(Buffer.concat([CRLF, delimiter]), at)
    if (next < 0) return undefined
    const part = partOf(body.subarray(at + 2, next))
    if (part === undefined) return undefined
    parts.push(part)
    at = next + CRLF.length
  }
}
