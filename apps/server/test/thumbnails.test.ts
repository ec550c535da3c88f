import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningServer, startServer } from '../src/index'
import { postJson } from './http'

/** Requests of `GET /images/:file` the server answered so far. */
async function imageRequests(server: RunningServer): Promise<number> {
  const text = await server.metrics.text()
  return text
    .split('\n')
    .filter(
      (line) => line.startsWith('boundkit_http_requests_total{') && line.includes('route="/images/:file"'),
    )
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0)
}

describe('POST /thumbnails', () => {
  let server: RunningServer
  /** A second server on another port that counts what reaches it: nothing must. */
  let foreign: Server
  let foreignHits = 0
  let foreignPort: number

  beforeAll(async () => {
    server = await startServer({ threads: 2, maxBatchSize: 5, maxImageSide: 512 })
    foreign = createServer((_request, response) => {
      foreignHits++
      response.end('no')
    })
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve))
    foreignPort = (foreign.address() as AddressInfo).port
  })
  afterAll(async () => {
    await server.close()
    await new Promise((resolve) => foreign.close(resolve))
  })

  const post = (body: unknown, query = '') => postJson(`${server.url}/thumbnails${query}`, body)

  it('fetches each image of this server and resizes it in the pool, answering in input order', async () => {
    const urls = [
      `${server.url}/images/a.png?width=300&height=200`,
      `${server.url}/images/b.jpg?width=100&height=100`,
      `${server.url}/images/c.png`,
    ]
    const response = await post({ urls, width: 40, height: 30 })
    expect(response.status).toBe(200)
    expect(response.body.items).toHaveLength(3)
    response.body.items.forEach((item: Record<string, unknown>, index: number) => {
      expect(item).toMatchObject({
        index,
        url: urls[index],
        status: 'fulfilled',
        width: 40,
        height: 30,
        attempts: 1,
      })
      expect(item.bytes).toBeGreaterThan(0)
      expect(item).not.toHaveProperty('data')
    })
  })

  it('keeps the aspect ratio when only one side is given, and 128 wide by default', async () => {
    const source = `${server.url}/images/wide.png?width=300&height=150`
    const [byWidth, byHeight, byDefault] = await Promise.all([
      post({ urls: [source], width: 60 }),
      post({ urls: [source], height: 50 }),
      post({ urls: [source] }),
    ])
    expect(byWidth.body.items[0]).toMatchObject({ width: 60, height: 30 })
    expect(byHeight.body.items[0]).toMatchObject({ width: 100, height: 50 })
    expect(byDefault.body.items[0]).toMatchObject({ width: 128, height: 64 })
  })

  it('returns the PNG thumbnails with ?format=base64', async () => {
    const response = await post(
      {
        urls: [`${server.url}/images/x.jpg?width=64&height=48`, `${server.url}/images/y.png`],
        width: 16,
        height: 12,
      },
      '?format=base64',
    )
    expect(response.status).toBe(200)
    for (const item of response.body.items) {
      const bytes = Buffer.from(item.data, 'base64')
      expect(bytes.length).toBe(item.bytes)
      const png = PNG.sync.read(bytes)
      expect([png.width, png.height]).toEqual([16, 12])
    }
  })

  it('answers a failed item as data, next to the others', async () => {
    const urls = [
      `${server.url}/images/ok.png`,
      `${server.url}/images/nope.gif`,
      `${server.url}/images/ok.jpg`,
    ]
    const response = await post({ urls, width: 8 })
    expect(response.status).toBe(200)
    const [first, failed, last] = response.body.items
    expect(first).toMatchObject({ index: 0, status: 'fulfilled', width: 8 })
    expect(last).toMatchObject({ index: 2, status: 'fulfilled', width: 8 })
    // A 404 is not retried.
    expect(failed).toMatchObject({ index: 1, url: urls[1], status: 'rejected', attempts: 1 })
    expect(failed.error.code).toBe('ERR_FETCH_FAILED')
    expect(failed.error.message).toContain('GET /images/nope.gif answered 404')
    expect(failed).not.toHaveProperty('bytes')
  })

  it('counts the fetches in /metrics', async () => {
    await post({ urls: [`${server.url}/images/m1.png`, `${server.url}/images/m2.gif`] })
    const text = await server.metrics.text()
    const sample = (state: string) =>
      Number(text.match(new RegExp(`^boundkit_limiter_fetches\\{state="${state}"\\} (\\S+)$`, 'm'))?.[1])
    expect(sample('done')).toBeGreaterThanOrEqual(1)
    expect(sample('failed')).toBeGreaterThanOrEqual(1)
    expect(sample('retried')).toBe(0)
    expect(sample('in_flight')).toBe(0)
  })

  describe('refuses every URL that is not an image of this server, before any request (no SSRF)', () => {
    const cases = (): Array<[string, string]> => {
      const { port } = new URL(server.url)
      return [
        ['a foreign host', 'http://example.com/images/a.png'],
        ['another port of this host', `http://127.0.0.1:${foreignPort}/images/a.png`],
        ['no port (80)', 'http://127.0.0.1/images/a.png'],
        ['file:', 'file:///etc/passwd'],
        ['data:', 'data:image/png;base64,iVBORw0KGgo='],
        ['https', `https://127.0.0.1:${port}/images/a.png`],
        ['gopher', `gopher://127.0.0.1:${port}/images/a.png`],
        ['userinfo before a foreign host', `http://127.0.0.1:${port}@127.0.0.1:${foreignPort}/images/a.png`],
        ['userinfo on this host', `http://user:secret@127.0.0.1:${port}/images/a.png`],
        ['a backslash trick', `http://127.0.0.1:${foreignPort}\\@127.0.0.1:${port}/images/a.png`],
        ['localhost', `http://localhost:${port}/images/a.png`],
        ['a decimal IP', `http://2130706433:${port}/images/a.png`],
        ['a hex IP', `http://0x7f.0.0.1:${port}/images/a.png`],
        ['a short IP', `http://127.1:${port}/images/a.png`],
        ['IPv6 loopback', `http://[::1]:${port}/images/a.png`],
        ['IPv4-mapped IPv6', `http://[::ffff:127.0.0.1]:${port}/images/a.png`],
        ['0.0.0.0', `http://0.0.0.0:${port}/images/a.png`],
        ['an upper-case path', `http://127.0.0.1:${port}/IMAGES/a.png`],
        ['a path outside /images/', `http://127.0.0.1:${port}/metrics`],
        ['dot segments out of /images/', `http://127.0.0.1:${port}/images/../metrics`],
        ['a nested path', `http://127.0.0.1:${port}/images/a/b.png`],
        ['a relative URL', '/images/a.png'],
        ['leading white space', ` http://127.0.0.1:${port}/images/a.png`],
        ['not a URL', 'not a url'],
      ]
    }

    it('for each trick', async () => {
      const before = await imageRequests(server)
      for (const [name, url] of cases()) {
        const response = await post({ urls: [`${server.url}/images/fine.png`, url] })
        expect(response.status, name).toBe(400)
        expect(response.body.error.code, name).toBe('ERR_URL_NOT_ALLOWED')
        expect(response.body.error.message, name).toMatch(/^urls\/1 must be an image URL of this server/)
      }
      // Not even the valid first URL was fetched, and nothing reached the other port.
      expect(await imageRequests(server)).toBe(before)
      expect(foreignHits).toBe(0)
    })
  })

  it.each<[string, unknown, string]>([
    ['no urls', {}, "body must have required property 'urls'"],
    ['empty urls', { urls: [] }, 'body/urls must NOT have fewer than 1 items'],
    [
      'too many urls',
      { urls: Array(6).fill('http://x/images/a.png') },
      'body/urls must NOT have more than 5 items',
    ],
    ['urls not an array', { urls: 'http://x/images/a.png' }, 'body/urls must be array'],
    ['a url not a string', { urls: [42] }, 'body/urls/0 must be string'],
    ['width 0', { urls: ['http://x/images/a.png'], width: 0 }, 'body/width must be >= 1'],
    ['width too large', { urls: ['http://x/images/a.png'], width: 513 }, 'body/width must be <= 512'],
    [
      'height not an integer',
      { urls: ['http://x/images/a.png'], height: 1.5 },
      'body/height must be integer',
    ],
    [
      'an unknown field',
      { urls: ['http://x/images/a.png'], depth: 3 },
      'body must NOT have additional properties',
    ],
  ])('refuses %s', async (_name, body, message) => {
    const response = await post(body)
    expect(response.status).toBe(400)
    expect(response.body.error).toEqual({ code: 'ERR_VALIDATION', message })
  })

  it('refuses malformed JSON and an unknown format', async () => {
    const malformed = await post('{"urls": [')
    expect(malformed.status).toBe(400)
    expect(malformed.body.error.code).toBe('ERR_MALFORMED_JSON')
    const format = await post({ urls: [`${server.url}/images/a.png`] }, '?format=xml')
    expect(format.status).toBe(400)
    expect(format.body.error).toEqual({
      code: 'ERR_VALIDATION',
      message: 'querystring/format must be equal to one of the allowed values',
    })
  })
})
