import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fib, type RunningServer, startServer } from '../src/index'
import { getJson } from './http'

describe('GET /cpu/fib/:n', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer({ maxFibN: 30 })
  })
  afterAll(() => server.close())

  it('computes fib(n) on the event loop by default', async () => {
    const response = await getJson(`${server.url}/cpu/fib/25`)
    expect(response.status).toBe(200)
    expect(response.body).toMatchObject({ n: 25, value: 75025, mode: 'inline' })
    expect(typeof response.body.ms).toBe('number')
    expect((await getJson(`${server.url}/cpu/fib/0?mode=inline`)).body.value).toBe(0)
  })

  it('shares its function with the package export', () => {
    expect([fib(0), fib(1), fib(10), fib(20)]).toEqual([0, 1, 55, 6765])
  })

  it.each([
    ['/cpu/fib/31', 'params/n must be <= 30'],
    ['/cpu/fib/99999999999999999999', 'params/n must be <= 30'],
    ['/cpu/fib/-1', 'params/n must be >= 0'],
    ['/cpu/fib/abc', 'params/n must be integer'],
    ['/cpu/fib/2.5', 'params/n must be integer'],
    ['/cpu/fib/10?mode=pool', 'querystring/mode must be equal to one of the allowed values'],
    ['/cpu/fib/10?mode=', 'querystring/mode must be equal to one of the allowed values'],
    ['/cpu/fib/10?other=1', 'querystring must NOT have additional properties'],
  ])('refuses %s', async (path, message) => {
    const response = await getJson(`${server.url}${path}`)
    expect(response.status).toBe(400)
    expect(response.body.error).toEqual({ code: 'ERR_VALIDATION', message })
  })
})
