import jpeg from 'jpeg-js'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningServer, startServer } from '../src/index'
import { rawRequest } from './http'

describe('GET /images/:id.png and .jpg', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer({ maxImageSide: 300 })
  })
  afterAll(() => server.close())

  it('serves a PNG of the asked size with Content-Length and ETag', async () => {
    const response = await fetch(`${server.url}/images/cat-7.png?width=64&height=48`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('image/png')
    const bytes = Buffer.from(await response.arrayBuffer())
    expect(response.headers.get('content-length')).toBe(String(bytes.length))
    expect(response.headers.get('etag')).toMatch(/^"[0-9a-f]{16}"$/)
    const png = PNG.sync.read(bytes)
    expect([png.width, png.height]).toEqual([64, 48])
    const again = Buffer.from(
      await (await fetch(`${server.url}/images/cat-7.png?width=64&height=48`)).arrayBuffer(),
    )
    expect(again.equals(bytes)).toBe(true)
  })

  it('renders an image once and serves it from the cache after that', async () => {
    const gauge = async (name: string) => {
      const text = await (await fetch(`${server.url}/metrics`)).text()
      return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1])
    }
    const before = await gauge('boundkit_image_cache_entries')
    const first = Buffer.from(await (await fetch(`${server.url}/images/cache-1.jpg?width=40`)).arrayBuffer())
    expect(await gauge('boundkit_image_cache_entries')).toBe(before + 1)
    const second = Buffer.from(await (await fetch(`${server.url}/images/cache-1.jpg?width=40`)).arrayBuffer())
    expect(second.equals(first)).toBe(true)
    expect(await gauge('boundkit_image_cache_entries')).toBe(before + 1)
    await fetch(`${server.url}/images/cache-1.jpg?width=41`)
    expect(await gauge('boundkit_image_cache_entries')).toBe(before + 2)
    expect(await gauge('boundkit_image_cache_bytes')).toBeGreaterThan(first.length)
  })

  it('waits imageLatencyMs before answering, and renders every request with no cache', async () => {
    const waits: number[] = []
    const slow = await startServer({
      imageLatencyMs: 35,
      imageCacheBytes: 0,
      sleep: async (ms) => {
        waits.push(ms)
      },
    })
    try {
      expect((await fetch(`${slow.url}/images/late.png?width=8&height=8`)).status).toBe(200)
      expect(waits).toEqual([35])
      const text = await (await fetch(`${slow.url}/metrics`)).text()
      expect(text).toMatch(/^boundkit_image_cache_entries 0$/m)
    } finally {
      await slow.close()
    }
  })

  // issue 18 #14: 60 distinct 1024 x 1024 PNGs rendered on the event loop delayed /healthz by 3.4 s.
  it('renders in the pool: /healthz answers while distinct large images render', async () => {
    const busy = await startServer({ threads: 1, maxImageSide: 1024 })
    try {
      const order: string[] = []
      const images = Array.from({ length: 6 }, async (_, i) => {
        const response = await fetch(`${busy.url}/images/big-${i}.png?width=1024&height=1024`)
        expect(response.status).toBe(200)
        await response.arrayBuffer()
        order.push(`image ${i}`)
      })
      // Once one render is done, the others still wait for the pool's one thread.
      await Promise.race(images)
      const health = await fetch(`${busy.url}/healthz`)
      expect(health.status).toBe(200)
      order.push('healthz')
      await Promise.all(images)
      expect(order).toHaveLength(7)
      expect(order.at(-1)).not.toBe('healthz')
      const text = await busy.metrics.text()
      expect(Number(/^boundkit_pool_completed (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(6)
    } finally {
      await busy.close()
    }
  })

  it('serves a JPEG, 256 x 256 by default', async () => {
    const response = await fetch(`${server.url}/images/dog.jpg`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('image/jpeg')
    const decoded = jpeg.decode(Buffer.from(await response.arrayBuffer()))
    expect([decoded.width, decoded.height]).toEqual([256, 256])
  })

  it('answers 304 to a matching If-None-Match, 200 otherwise', async () => {
    const first = await fetch(`${server.url}/images/x.png?width=8&height=8`)
    const etag = first.headers.get('etag')!
    const cached = await fetch(`${server.url}/images/x.png?width=8&height=8`, {
      headers: { 'if-none-match': etag },
    })
    expect(cached.status).toBe(304)
    expect(cached.headers.get('etag')).toBe(etag)
    expect((await cached.arrayBuffer()).byteLength).toBe(0)
    const other = await fetch(`${server.url}/images/x.png?width=9&height=8`, {
      headers: { 'if-none-match': etag },
    })
    expect(other.status).toBe(200)
  })

  it('answers HEAD with the headers only', async () => {
    const response = await fetch(`${server.url}/images/x.jpg?width=8&height=8`, { method: 'HEAD' })
    expect(response.status).toBe(200)
    expect(Number(response.headers.get('content-length'))).toBeGreaterThan(0)
  })

  it.each([
    ['?width=301', 400, 'ERR_VALIDATION'],
    ['?width=0', 400, 'ERR_VALIDATION'],
    ['?height=abc', 400, 'ERR_VALIDATION'],
    ['?width=1.5', 400, 'ERR_VALIDATION'],
    ['?quality=101', 400, 'ERR_VALIDATION'],
    ['?size=10', 400, 'ERR_VALIDATION'],
  ])('refuses the query %s', async (query, status, code) => {
    const response = await fetch(`${server.url}/images/ok.png${query}`)
    expect(response.status).toBe(status)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code)
  })

  it.each([
    ['/images/..%2F..%2Fetc%2Fpasswd.png', 400, 'ERR_INVALID_ID'],
    ['/images/..%2fsecret.jpg', 400, 'ERR_INVALID_ID'],
    ['/images/%2E%2E.png', 400, 'ERR_INVALID_ID'],
    ['/images/..%5Cwin.png', 400, 'ERR_INVALID_ID'],
    ['/images/a%00b.png', 400, 'ERR_INVALID_ID'],
    ['/images/../../etc/passwd', 404, 'ERR_NOT_FOUND'],
    ['/images/cat.gif', 404, 'ERR_NOT_FOUND'],
    ['/images/%E0%A4%A.png', 400, 'ERR_BAD_REQUEST'],
  ])('refuses the path %s', async (path, status, code) => {
    const response = await rawRequest(server.url, path)
    expect(response.status).toBe(status)
    expect(JSON.parse(response.body.toString()).error.code).toBe(code)
  })
})
