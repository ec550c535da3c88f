import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Jimp } from 'jimp'

/**
 * A real local HTTP server for the pipeline's tests: `/img/<n>.png|jpg?w=&h=` serves a generated image,
 * `/missing/*` answers 404, `/flaky/<n>` answers 500 on its first request then the image, `/reset/*`
 * destroys the socket, `/text/*` serves bytes that are not an image. It counts requests.
 */
export interface ImageServer {
  url: string
  requests: number
  close(): Promise<void>
}

export async function generateImage(
  seed: number,
  width: number,
  height: number,
  mime: 'image/png' | 'image/jpeg',
) {
  const image = new Jimp({ width, height, color: 0xffffffff })
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const r = (x * 255) / width
      const g = (y * 255) / height
      const b = (seed * 37) % 256
      image.setPixelColor(((r << 24) | (g << 16) | (b << 8) | 0xff) >>> 0, x, y)
    }
  }
  return image.getBuffer(mime)
}

export async function startImageServer(): Promise<ImageServer> {
  const cache = new Map<string, Buffer>()
  const flakySeen = new Set<string>()
  const state = { requests: 0 }
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    state.requests++
    const url = new URL(req.url ?? '/', 'http://localhost')
    const [, kind, name = ''] = url.pathname.split('/')
    if (kind === 'missing') return void res.writeHead(404).end('not found')
    if (kind === 'reset') return void req.socket.destroy()
    if (kind === 'text') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('not an image')
    if (kind === 'flaky' && !flakySeen.has(name)) {
      flakySeen.add(name)
      return void res.writeHead(500).end('try again')
    }
    if (kind !== 'img' && kind !== 'flaky') return void res.writeHead(404).end()
    const width = Number(url.searchParams.get('w') ?? 96)
    const height = Number(url.searchParams.get('h') ?? 72)
    const mime = name.endsWith('.jpg') ? 'image/jpeg' : 'image/png'
    const key = `${name}:${width}x${height}`
    let body = cache.get(key)
    if (!body) {
      body = await generateImage(Number.parseInt(name, 10) || 1, width, height, mime)
      cache.set(key, body)
    }
    res.writeHead(200, { 'content-type': mime, 'content-length': body.length }).end(body)
  }
  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** The fetch stage every test uses: a real HTTP GET that fails on a non-2xx status, as a client should. */
export async function download(url: string, { signal }: { signal: AbortSignal }): Promise<ArrayBuffer> {
  const response = await fetch(url, { signal })
  if (!response.ok) {
    const error = new Error(`HTTP ${response.status} for ${url}`) as Error & { status: number }
    error.status = response.status
    throw error
  }
  return response.arrayBuffer()
}
