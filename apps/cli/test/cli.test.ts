import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { boundkit, main } from './run-cli'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'boundkit-cli-'))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('the built boundkit binary', () => {
  it('prints help with every command and exits 0', async () => {
    const result = await boundkit('--help')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('Usage: boundkit')
    for (const command of ['demo', 'batch', 'llm', 'classify']) expect(result.stdout).toContain(command)
    expect(result.stdout).toContain('Exit codes')
  })

  it.each(['demo', 'batch', 'llm', 'classify'])('prints help with examples for %s', async (command) => {
    const result = await boundkit(command, '--help')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`Usage: boundkit ${command}`)
    expect(result.stdout).toContain('Examples:')
    expect(result.stdout).toContain('NO_COLOR')
  })

  it('prints its version', async () => {
    const result = await boundkit('--version')
    expect(result.code).toBe(0)
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
  })

  // Issue 19: the help's example put $TOKEN in single quotes, where a shell never expands it.
  it("batch --help's header example lets the shell expand $TOKEN", async () => {
    const result = await boundkit('batch', '--help')
    expect(result.stdout).toContain('--header "Authorization: Bearer $TOKEN"')
    expect(result.stdout).not.toMatch(/'[^'\n]*\$TOKEN[^'\n]*'/)
    expect(result.stdout).toContain('--retry-failed')
  })

  // Issue 19: the package's bin, dist/main.js, is run as a program (shebang and mode), not through node.
  it('dist/main.js is executable and runs directly', async () => {
    expect((await readFile(main, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true)
    expect((await stat(main)).mode & 0o111).toBe(0o111)
    const { bin } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'))
    expect(join(main, '..', '..', bin.boundkit)).toBe(main)
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(main, ['--version'], (error, out) => (error ? reject(error) : resolve(out))),
    )
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
  })

  // Issue 19: `boundkit --help | head -1` died with an unhandled EPIPE when head closed the pipe.
  it('exits quietly when the pipe it prints to is closed early', async () => {
    for (const args of [['--help'], ['batch', '--help']]) {
      const child = spawn(process.execPath, [main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
      // The reading end closes before the child writes anything (head after its first line does the same).
      child.stdout.destroy()
      let stderr = ''
      child.stderr.on('data', (chunk) => {
        stderr += chunk
      })
      const [code, signal] = await once(child, 'close')
      expect(stderr).toBe('')
      expect({ code, signal }).toEqual({ code: 0, signal: null })
    }
  })
})

describe('usage errors exit 2', () => {
  it('on an unknown option', async () => {
    const result = await boundkit('--no-such-flag')
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("unknown option '--no-such-flag'")
  })

  it('on a missing input file', async () => {
    const result = await boundkit(
      'batch',
      join(dir, 'nope.jsonl'),
      '--url',
      'http://127.0.0.1:9/',
      '--out',
      join(dir, 'o.jsonl'),
    )
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('Input file not found')
  })

  it('on a bad --rate, --concurrency or --url', async () => {
    const input = join(dir, 'one.jsonl')
    await writeFile(input, '{"a":1}\n')
    const base = ['batch', input, '--out', join(dir, 'o.jsonl')]
    const rate = await boundkit(...base, '--url', 'http://127.0.0.1:9/', '--rate', 'fast')
    expect(rate.code).toBe(2)
    expect(rate.stderr).toContain('Expected --rate to look like N/s')
    const concurrency = await boundkit(...base, '--url', 'http://127.0.0.1:9/', '--concurrency', '0')
    expect(concurrency.code).toBe(2)
    expect(concurrency.stderr).toContain('Expected --concurrency to be an integer >= 1')
    const url = await boundkit(...base, '--url', 'ftp://example.com')
    expect(url.code).toBe(2)
    expect(url.stderr).toContain('--url')
  })

  it('on --retry-failed without --resume, with its code, before anything is read or sent', async () => {
    for (const command of [
      ['batch', join(dir, 'missing.jsonl'), '--url', 'http://127.0.0.1:9/'],
      ['llm', join(dir, 'missing.jsonl')],
    ]) {
      const result = await boundkit(...command, '--out', join(dir, 'rf.jsonl'), '--retry-failed')
      expect(result.code).toBe(2)
      expect(result.stderr).toContain('--retry-failed goes with --resume')
      expect(result.stderr).toContain('ERR_RETRY_FAILED_WITHOUT_RESUME')
    }
  })

  it('on a missing required option', async () => {
    const result = await boundkit('batch', 'in.jsonl', '--out', 'o.jsonl')
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("required option '--url <url>' not specified")
  })

  it('on a malformed input line, naming its line number, before any request', async () => {
    const input = join(dir, 'bad.jsonl')
    await writeFile(input, '{"id":"a"}\n\n{"id": oops}\n{"id":"c"}\n')
    // Port 9 (discard) is never listened on: a request would fail, so exit 2 proves none was sent.
    const result = await boundkit(
      'batch',
      input,
      '--url',
      'http://127.0.0.1:9/',
      '--out',
      join(dir, 'bad-out.jsonl'),
    )
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`${input}:3: malformed JSON`)
    expect(result.stderr).toContain('--skip-bad')
  })

  it('on a duplicate --key value', async () => {
    const input = join(dir, 'dup.jsonl')
    await writeFile(input, '{"id":"a"}\n{"id":"a"}\n')
    const result = await boundkit(
      'batch',
      input,
      '--url',
      'http://127.0.0.1:9/',
      '--out',
      join(dir, 'dup-out.jsonl'),
      '--key',
      'id',
    )
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`${input}:2: duplicate key "a"`)
  })

  it('when the output already holds results and --resume is not given', async () => {
    const input = join(dir, 'one-more.jsonl')
    const out = join(dir, 'full.jsonl')
    await writeFile(input, '{"a":1}\n')
    await writeFile(out, '{"key":0}\n')
    const result = await boundkit('batch', input, '--url', 'http://127.0.0.1:9/', '--out', out)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('pass --resume')
  })

  it('on an unknown demo scenario', async () => {
    const result = await boundkit('demo', '--scenario', 'nope')
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('Allowed choices are classify, io, cpu, shared, mixed')
  })

  it('on classify without a target, or with a command that does not exist', async () => {
    expect((await boundkit('classify')).code).toBe(2)
    const missing = await boundkit('classify', '--', 'boundkit-no-such-command')
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('was not found')
  })
})
