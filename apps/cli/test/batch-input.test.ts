import { link, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type LocalServer, localServer, ok } from './local-server'
import { boundkit } from './run-cli'

// Issue 18: what `boundkit batch` reads from its input, what it sends and what it refuses.
let dir: string
let server: LocalServer

beforeAll(async () => {
  server = await localServer(ok)
})

afterAll(async () => {
  await server.close()
})

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'boundkit-batch-input-'))
  server.bodies.length = 0
  return () => rm(dir, { recursive: true, force: true })
})

async function lines(path: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(path, 'utf8')
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

function batch(input: string, out: string, ...extra: string[]) {
  return boundkit('batch', input, '--url', server.url, '--out', out, ...extra)
}

describe('boundkit batch keys a record without --key by its line number', () => {
  it('sends a bad line once it is fixed, and nothing twice (--skip-bad, then --resume)', async () => {
    const input = join(dir, 'in.jsonl')
    const out = join(dir, 'out.jsonl')
    await writeFile(input, '{"n":"A"}\n{"n": B}\n{"n":"C"}\n{"n":"D"}\n')
    const first = await batch(input, out, '--skip-bad')
    expect(first.code).toBe(0)
    expect(first.stderr).toContain(`${input}:2: malformed JSON`)
    await writeFile(input, '{"n":"A"}\n{"n":"B"}\n{"n":"C"}\n{"n":"D"}\n')
    const second = await batch(input, out, '--skip-bad', '--resume')
    expect(second.code).toBe(0)
    expect(server.bodies.map((body) => JSON.parse(body.toString()).n)).toEqual(['A', 'C', 'D', 'B'])
    // The resumed run appends line 2, then puts the file back in input order once it completes.
    expect((await lines(out)).map((line) => line.key)).toEqual([1, 2, 3, 4])
  })
})

describe('boundkit batch refuses --out when it is the input', () => {
  it.each([
    ['the same path', async (input: string) => input],
    [
      'a hard link',
      async (input: string) => {
        await link(input, join(dir, 'hard.jsonl'))
        return join(dir, 'hard.jsonl')
      },
    ],
    [
      'a symbolic link',
      async (input: string) => {
        await symlink(input, join(dir, 'soft.jsonl'))
        return join(dir, 'soft.jsonl')
      },
    ],
  ])('through %s, with --resume: exit 2, nothing written', async (_name, outPath) => {
    const input = join(dir, 'in.jsonl')
    const text = `${Array.from({ length: 50 }, (_, i) => JSON.stringify({ i })).join('\n')}\n`
    await writeFile(input, text)
    const out = await outPath(input)
    const before = (await readdir(dir)).sort()
    const result = await batch(input, out, '--resume')
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('is the input file')
    expect(await readFile(input, 'utf8')).toBe(text)
    expect((await readdir(dir)).sort()).toEqual(before)
    expect(server.bodies).toHaveLength(0)
  })
})

describe("boundkit batch sends each record's own bytes", () => {
  it('never re-encodes a record (big integers, 1e999, 1.0, escapes and spacing stay as written)', async () => {
    const input = join(dir, 'in.jsonl')
    const records = [
      '{"id":"a","n":12345678901234567890,"big":1e999,"f":1.0,"s":"\\u00e9\\/"}',
      ' { "id" : "b" , "nested" : [ 1.50, -0 ] } ',
    ]
    await writeFile(input, `${records.join('\n')}\n`)
    const result = await batch(input, join(dir, 'out.jsonl'), '--key', 'id')
    expect(result.code).toBe(0)
    expect(server.bodies.map((body) => body.toString()).sort()).toEqual([...records].sort())
  })

  it.each([
    ['1e999', 'too large for JSON to keep'],
    ['12345678901234567890', 'past 2^53 - 1'],
  ])('refuses a --key value JSON cannot keep (%s): exit 2 with its line number', async (key, reason) => {
    const input = join(dir, 'in.jsonl')
    await writeFile(input, `{"id":1,"x":"a"}\n{"id":${key},"x":"b"}\n`)
    const out = join(dir, 'out.jsonl')
    const result = await batch(input, out, '--key', 'id')
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`${input}:2:`)
    expect(result.stderr).toContain(reason)
    expect(server.bodies).toHaveLength(0)
    expect(await readdir(dir)).toEqual(['in.jsonl'])
  })

  it('skips a UTF-8 byte order mark at the start of the input', async () => {
    const input = join(dir, 'in.jsonl')
    await writeFile(input, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"id":"x"}\r\n')]))
    const out = join(dir, 'out.jsonl')
    const result = await batch(input, out, '--key', 'id')
    expect(result.code).toBe(0)
    expect(server.bodies.map((body) => body.toString())).toEqual(['{"id":"x"}'])
    expect((await lines(out)).map((line) => line.key)).toEqual(['x'])
  })
})

describe('boundkit batch checks headers before any request', () => {
  it.each([
    ['X-Test: a\r\nInjected: b', 'X-Test'],
    ['X-Test: a\nb', 'X-Test'],
  ])('refuses %j: exit 2, no request, no output file', async (header, name) => {
    const input = join(dir, 'in.jsonl')
    await writeFile(input, '{"a":1}\n{"a":2}\n')
    const result = await batch(input, join(dir, 'out.jsonl'), '--header', header)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`--header ${name}`)
    expect(server.bodies).toHaveLength(0)
    expect(await readdir(dir)).toEqual(['in.jsonl'])
  })
})

// A line the scan refuses is refused by every pass: it is never sent, and never written.
describe('a duplicate key skipped by --skip-bad is never sent', () => {
  it('boundkit batch --key id: the first "a" only, progress and summary count 2 records', async () => {
    const input = join(dir, 'dup.jsonl')
    const out = join(dir, 'out.jsonl')
    await writeFile(input, '{"id":"a","n":1}\n{"id":"b","n":2}\n{"id":"a","n":3}\n')
    const result = await batch(input, out, '--key', 'id', '--skip-bad', '--json')
    expect(result.code).toBe(0)
    expect(result.stderr).toContain(`${input}:3: duplicate key "a"`)
    expect(result.stderr).not.toMatch(/3\/2/)
    expect(server.bodies.map((body) => JSON.parse(body.toString()).n)).toEqual([1, 2])
    expect((await lines(out)).map((line) => line.key)).toEqual(['a', 'b'])
    expect(JSON.parse(result.stdout)).toMatchObject({ records: 2, badLines: 1, written: 2, ok: 2 })
  })

  it("boundkit llm: one line per custom_id, the first request's answer", async () => {
    const input = join(dir, 'dup.jsonl')
    const out = join(dir, 'out.jsonl')
    const request = (id: string, content: string) =>
      JSON.stringify({
        custom_id: id,
        method: 'POST',
        url: '/v1/chat/completions',
        body: { model: 'm', messages: [{ role: 'user', content }] },
      })
    await writeFile(
      input,
      `${[request('a', 'one'), request('b', 'two'), request('a', 'three')].join('\n')}\n`,
    )
    const result = await boundkit(
      'llm',
      input,
      '--out',
      out,
      '--base-url',
      server.url,
      '--skip-bad',
      '--json',
    )
    expect(result.code).toBe(0)
    expect(result.stderr).toContain(`${input}:3: duplicate custom_id "a"`)
    const sent = server.bodies.map((body) => JSON.parse(body.toString()).messages[0].content)
    expect(sent).toEqual(['one', 'two'])
    expect((await lines(out)).map((line) => line.custom_id)).toEqual(['a', 'b'])
    expect(JSON.parse(result.stdout)).toMatchObject({ records: 2, badLines: 1, written: 2 })
  })
})
