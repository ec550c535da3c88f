import { request } from 'node:http'

/** One Server-Sent Event (`event`, `id` and `data` fields; `data` of one line). */
export interface SseEvent {
  event: string
  id: string
  data: string
}

/** The complete events at the start of `text`, and the rest (an event still arriving). */
export function parseEvents(text: string): { events: SseEvent[]; rest: string } {
  const blocks = text.split('\n\n')
  const rest = blocks.pop()!
  const events = blocks.map((block) => {
    const fields = new Map<string, string>()
    for (const line of block.split('\n')) {
      const colon = line.indexOf(':')
      if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).replace(/^ /, ''))
    }
    return { event: fields.get('event') ?? '', id: fields.get('id') ?? '', data: fields.get('data') ?? '' }
  })
  return { events, rest }
}

/** A page's `history` event from `url` (the events stream), sent `Last-Event-ID` when given; then it leaves. */
export function historyOf(
  url: string,
  lastEventId?: string,
): Promise<{ resumed: boolean; samples: { id: number }[] }> {
  return new Promise((resolve, reject) => {
    const headers = lastEventId === undefined ? {} : { 'last-event-id': lastEventId }
    const req = request(url, { headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        text += chunk
        const history = parseEvents(text).events.find((e) => e.event === 'history')
        if (history) {
          req.destroy()
          resolve(JSON.parse(history.data))
        }
      })
    })
    req.on('error', reject)
    req.end()
  })
}
