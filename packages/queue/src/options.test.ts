import { describe, expect, it } from 'vitest'
import { redactUrl, resolveConnection } from './connection'
import { jobIdOf } from './job-id'
import { resolveDistributeOptions, resolveWorkerOptions } from './options'

const job = () => ({ name: 'x', data: null })

describe('options', () => {
  it('refuses bad options with ERR_INVALID_OPTION naming them', () => {
    expect(() => resolveDistributeOptions({ key: (n: number) => n, job, window: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('`window`') }),
    )
    expect(() => resolveDistributeOptions({ job } as never)).toThrow(/`key`/)
    expect(() => resolveDistributeOptions({ key: () => 1 } as never)).toThrow(/`job`/)
    const base = { connection: 'redis://127.0.0.1:1', name: 'q' }
    expect(() => resolveWorkerOptions({ ...base, name: 'a:b' })).toThrow(/`name`/)
    expect(() => resolveWorkerOptions({ ...base, rate: { max: 0, duration: 1000 } })).toThrow(/`rate.max`/)
    expect(() => resolveWorkerOptions({ ...base, handlers: { x: 1 as never } })).toThrow(/`handlers.x`/)
    expect(() => resolveWorkerOptions({ ...base, connection: 'http://host' })).toThrow(/`connection`/)
  })

  it('wants the origins the credential headers may go to, as origins only', () => {
    const base = { connection: 'redis://127.0.0.1:1', name: 'q' }
    const headers = { httpHeaders: { authorization: 'Bearer k' } }
    expect(() => resolveWorkerOptions({ ...base, ...headers })).toThrow(/`httpOrigins`/)
    expect(() =>
      resolveWorkerOptions({ ...base, ...headers, httpOrigins: ['https://api.example.com/v1'] }),
    ).toThrow(/`httpOrigins\[0\]` to be an http\(s\) origin/)
    expect(() => resolveWorkerOptions({ ...base, httpOrigins: ['ftp://files.example.com'] })).toThrow(
      /`httpOrigins\[0\]`/,
    )
    const resolved = resolveWorkerOptions({
      ...base,
      ...headers,
      httpOrigins: ['https://API.example.com:443'],
    })
    expect([...(resolved.httpOrigins ?? [])]).toEqual(['https://api.example.com'])
    expect(resolveWorkerOptions(base).httpOrigins).toBeUndefined()
    expect(resolveWorkerOptions(base).workerFiles.size).toBe(0)
  })

  it('reads a Redis URL, TLS included, and never shows its password', () => {
    const resolved = resolveConnection('rediss://me:p%40ss@cache.example:6380/2')
    expect(resolved.options).toMatchObject({
      host: 'cache.example',
      port: 6380,
      username: 'me',
      password: 'p@ss',
      db: 2,
    })
    expect(resolved.options.tls).toBeDefined()
    expect(resolved.label).toBe('rediss://me:***@cache.example:6380/2')
    expect(redactUrl('redis://:secret@h:1')).not.toContain('secret')
    let message = ''
    try {
      resolveConnection('ftp://me:secret@h')
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toContain('***')
    expect(message).not.toContain('secret')
  })

  it('refuses a password that is not percent-encoded with ERR_INVALID_OPTION, without showing it', () => {
    let error: { code?: string; message: string } = { message: '' }
    try {
      resolveConnection('redis://:SEC%zzRET@cache.example:6379')
    } catch (thrown) {
      error = thrown as typeof error
    }
    expect(error.code).toBe('ERR_INVALID_OPTION')
    expect(error.message).toContain('percent-encoded')
    expect(error.message).toContain('redis://:***@cache.example:6379')
    expect(error.message).not.toContain('SEC')
  })
})

describe('jobIdOf', () => {
  it('gives ids BullMQ takes (never an integer, no `:`), a different one for each key', () => {
    const keys = [1, '1', 'a:b', 'a%3Ab', 'a%b', '']
    const ids = keys.map(jobIdOf)
    for (const id of ids) {
      expect(id).not.toContain(':')
      expect(Number.isInteger(Number(id))).toBe(false)
    }
    expect(new Set(ids.slice(1)).size).toBe(keys.length - 1)
    expect(jobIdOf(1)).toBe(jobIdOf('1'))
  })
})
