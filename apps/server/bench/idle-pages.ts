/**
 * The memory of the built server while live-page clients that never read stay connected (run by hand,
 * not a benchmark of `pnpm bench`):
 *
 *   pnpm --filter @boundkit/server build
 *   node --import tsx apps/server/bench/idle-pages.ts [--pages 500] [--seconds 300] [--reading]
 *
 * Each page sends `GET /dashboard/events` and reads nothing (with `--reading`, it reads all it gets:
 * the same pages, that keep up). Node cannot size a socket's buffers, so
 * the pages are opened by python3 with a 1 KiB receive buffer and a 1400-byte segment size: on
 * loopback's 64 KiB segments the kernel would hold about 1.6 MB a connection before the server buffers
 * anything, where on a real network it holds some tens of KB. Prints the server's RSS and the pages
 * still connected (its established connections) every 30 s.
 */
import { execFileSync, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { setTimeout as delay } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { startServerProcess } from './load.ts'

const { values } = parseArgs({
  options: {
    pages: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '300' },
    reading: { type: 'boolean', default: false },
  },
})
const pages = Number(values.pages)
const seconds = Number(values.seconds)

const CLIENTS = `
import selectors, socket, sys, time
port, pages, reading = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == 'reading'
held = []
for _ in range(pages):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 1400)
    s.connect(('127.0.0.1', port))
    s.sendall(b'GET /dashboard/events HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nAccept: text/event-stream\\r\\n\\r\\n')
    held.append(s)
print('connected', flush=True)
if not reading:
    time.sleep(1e9)
selector = selectors.DefaultSelector()
for s in held:
    selector.register(s, selectors.EVENT_READ)
while True:
    for key, _ in selector.select():
        if not key.fileobj.recv(65536):
            selector.unregister(key.fileobj)
`

const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024

const connected = (port: string) =>
  execFileSync('ss', ['-tnH', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean).length

const server = await startServerProcess(['--threads', '1'])
const port = new URL(server.url).port
await delay(2000)
console.log(
  `node ${process.version}, ${pages} pages that ${values.reading ? 'read' : 'never read'}, ${seconds} s`,
)
console.log(`before the pages: RSS ${rssMb(server.pid).toFixed(1)} MB`)
const clients = spawn('python3', ['-c', CLIENTS, port, String(pages), values.reading ? 'reading' : 'idle'], {
  stdio: ['ignore', 'pipe', 'inherit'],
})
await new Promise((resolve) => clients.stdout.once('data', resolve))
const start = performance.now()
for (let t = 0; t <= seconds; t += 30) {
  await delay(Math.max(0, start + t * 1000 - performance.now()))
  console.log(
    `${String(t).padStart(4)} s  RSS ${rssMb(server.pid).toFixed(1)} MB  pages connected ${connected(port)}`,
  )
}
clients.kill()
await server.stop()
