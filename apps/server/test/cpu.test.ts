import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fib, type RunningServer, startServer } from '../src/index'
import { getJson } from './http'

describe('GET /cpu/fib/:n', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer({ maxFibN: 30, threads: 2 })
  })
  afterAll(() => server.close())

  it('computes fib(n) on the event loop by default', async () => {
    const response = await getJson(`${server.url}/cpu/fib/25`)
    expect(response.status).toBe(200)
    expect(response.body).toMatchObject({ n: 25, value: 75025, mode: 'inline' })
    expect(typeof response.body.ms).toBe('number')
    expect((await getJson(`${server.url}/cpu/fib/0?mode=inline`)).body.value).toBe(0)
  })

  it('gives the same results in the pool as inline', async () => {
    for (const n of [0, 1, 2, 10, 20, 25]) {
      const [inline, pool] = await Promise.all([
        getJson(`${server.url}/cpu/fib/${n}?mode=inline`),
        getJson(`${server.url}/cpu/fib/${n}?mode=pool`),
      ])
      expect(pool.status).toBe(200)
      expect(pool.body).toMatchObject({ n, value: inline.body.value, mode: 'pool' })
      expect(pool.body.value).toBe(fib(n))
    }
  })

  it('refuses bad parameters in pool mode too', async () => {
    const response = await getJson(`${server.url}/cpu/fib/31?mode=pool`)
    expect(response.status).toBe(400)
    expect(response.body.error).toEqual({ code: 'ERR_VALIDATION', message: 'params/n must be <= 30' })
  })

  it('shares its function with the package export', () => {
    expect([fib(0), fib(1), fib(10), fib(20)]).toEqual([0, 1, 55, 6765])
  })

  // issue 18 #15: Ajv's coercion took any spelling Number() reads; n is plain decimal digits only.
  it.each(['0x10', '1e1', '%205', '5.0', '+5', '0b11', '%2010', '1_0', '5%20'])(
    'refuses n written other than in decimal digits: %j',
    async (n) => {
      const response = await getJson(`${server.url}/cpu/fib/${n}`)
      expect(response.status, n).toBe(400)
      expect(response.body.error.code).toBe('ERR_VALIDATION')
    },
  )

  it('takes leading zeros, and a percent-encoded digit, as decimal digits', async () => {
    expect((await getJson(`${server.url}/cpu/fib/010`)).body).toMatchObject({ n: 10, value: 55 })
    expect((await getJson(`${server.url}/cpu/fib/%35`)).body).toMatchObject({ n: 5, value: 5 })
  })

  it.each([
    ['/cpu/fib/31', 'params/n must be <= 30'],
    ['/cpu/fib/99999999999999999999', 'params/n must be <= 30'],
    ['/cpu/fib/-1', 'params/n must match pattern "^[0-9]+$"'],
    ['/cpu/fib/abc', 'params/n must match pattern "^[0-9]+$"'],
    ['/cpu/fib/2.5', 'params/n must match pattern "^[0-9]+$"'],
    ['/cpu/fib/10?mode=threads', 'querystring/mode must be equal to one of the allowed values'],
    ['/cpu/fib/10?mode=', 'querystring/mode must be equal to one of the allowed values'],
    ['/cpu/fib/10?other=1', 'querystring must NOT have additional properties'],
  ])('refuses %s', async (path, message) => {
    const response = await getJson(`${server.url}${path}`)
    expect(response.status).toBe(400)
    expect(response.body.error).toEqual({ code: 'ERR_VALIDATION', message })
  })
})
