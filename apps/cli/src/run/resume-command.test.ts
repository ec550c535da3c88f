import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { resumeCommand, shellQuote } from './resume-command'

const dir = mkdtempSync(join(tmpdir(), 'boundkit-resume-command-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

// A checkout with the built script, and a bin folder where `boundkit` may be linked to it.
const repo = join(dir, 'repo')
const script = join(repo, 'apps', 'cli', 'dist', 'main.js')
mkdirSync(join(repo, 'apps', 'cli', 'dist'), { recursive: true })
writeFileSync(script, '#!/usr/bin/env node\n')
chmodSync(script, 0o755)
const bin = join(dir, 'bin')
mkdirSync(bin)
const bare = join(dir, 'bare-bin')
mkdirSync(bare)
const linked = join(dir, 'linked-bin')
mkdirSync(linked)
symlinkSync(script, join(linked, 'boundkit'))

const launch = (PATH: string, cwd = repo) => ({ execPath: process.execPath, cwd, env: { PATH } })
const argv = (...args: string[]) => [process.execPath, script, ...args]

describe('resumeCommand', () => {
  it('never prints the value of a credential header', () => {
    const printed = resumeCommand(
      argv(
        'batch',
        'in.jsonl',
        '--header',
        'Authorization: Bearer sk-secret',
        '--header=X-Api-Key: k-secret',
      ),
      launch(bin),
    )
    expect(printed).not.toContain('secret')
    expect(printed).toContain(`'Authorization: <redacted>'`)
    expect(printed).toContain(`'--header=X-Api-Key: <redacted>'`)
    expect(printed.split('\n')[1]).toMatch(/credential header values read <redacted>: put them back/)
    expect(resumeCommand(argv('batch', 'a', '--header', 'X-Trace: 42'), launch(bin))).toContain(
      `'X-Trace: 42'`,
    )
  })

  it('never prints the credentials of a URL: a password, a token as the user, a key in the query', () => {
    const printed = resumeCommand(
      argv(
        'llm',
        'in.jsonl',
        '--base-url',
        'http://host/v1?api_key=SECRET1&api-version=2024-10-21',
        '--url=https://user:SECRET2@host/score',
        '--redis',
        'redis://:SECRET3@cache:6379',
      ),
      launch(bin),
      (url) => url.replace('SECRET3', '***'),
    )
    expect(printed).not.toContain('SECRET')
    expect(printed).toContain("'http://host/v1?api_key=***&api-version=2024-10-21'")
    expect(printed).toContain("'--url=https://user:***@host/score'")
    expect(printed).toContain("'redis://:***@cache:6379'")
    expect(printed.split('\n')[1]).toMatch(/URL credentials read \*\*\*: put them back/)
    expect(resumeCommand(argv('llm', 'in.jsonl', '--base-url', 'http://h/v1'), launch(bin))).not.toContain(
      '\n',
    )
  })

  it('starts with node and the script, from the folder it runs in, when boundkit is not on PATH', () => {
    expect(resumeCommand(argv('batch', 'in.jsonl'), launch(bin))).toBe(
      `${shellQuote(process.execPath)} apps/cli/dist/main.js batch in.jsonl --resume`,
    )
    // Outside the checkout: the script's full path.
    expect(resumeCommand(argv('batch', 'a'), launch(bin, dir))).toMatch(
      / repo\/apps\/cli\/dist\/main\.js batch a/,
    )
    expect(resumeCommand(argv('batch', 'a'), launch(bin, bin)).split(' ')[1]).toBe(shellQuote(script))
  })

  it('says node when the node on PATH is this one', () => {
    symlinkSync(process.execPath, join(bin, 'node'))
    expect(resumeCommand(argv('llm', 'x'), launch(bin))).toBe('node apps/cli/dist/main.js llm x --resume')
  })

  it('starts with boundkit when boundkit on PATH is this very script (a linked bin)', () => {
    expect(resumeCommand(argv('batch', 'in.jsonl', '--resume'), launch(`${bin}:${linked}`))).toBe(
      'boundkit batch in.jsonl --resume',
    )
  })

  it('quotes every argument so that a POSIX shell reads back exactly the same words', () => {
    const words = [
      'batch',
      'in file.jsonl',
      '--header',
      'X-Trace: $TOKEN',
      '--header',
      'X-Note: it\'s `here` \\ "quoted" *; & | ~ !',
      '--key',
      '',
      'naïve\ttab',
    ]
    const command = resumeCommand(argv(...words), launch(bare))
    // The shell runs printf with the command's words: each printed between markers, NUL-free.
    const echoed = execFileSync('/bin/sh', ['-c', `printf '<%s>\\n' ${command}`], { encoding: 'utf8' })
    expect(echoed).toBe(
      [process.execPath, 'apps/cli/dist/main.js', ...words, '--resume'].map((w) => `<${w}>\n`).join(''),
    )
  })
})
