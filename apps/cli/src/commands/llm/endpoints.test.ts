import { describe, expect, it } from 'vitest'
import { parseEndpoints } from './endpoints'

const env = { KEY_A: 'sk-a', KEY_B: 'azure-b' }
const parse = (value: unknown) => parseEndpoints('endpoints.json', JSON.stringify(value), env)

describe('parseEndpoints', () => {
  it('never prints a key or a URL password in its errors', () => {
    const bad = (endpoint: object) => {
      try {
        parse({ endpoints: [{ name: 'a', baseUrl: 'https://api.example.com/v1', ...endpoint }] })
      } catch (error) {
        return (error as Error).message
      }
      throw new Error('no error')
    }
    const url = bad({ baseUrl: 'https://user:s3cr3tPASS@api.example.com/v1' })
    expect(url).toContain('expected endpoints[0].baseUrl to be an http or https URL without credentials')
    expect(url).not.toContain('s3cr3tPASS')
    expect(bad({ apiKeyEnv: 'sk-proj-ABCDEF123456' })).not.toContain('ABCDEF123456')
    expect(bad({ apiKeyEnv: 'a3f0c9d2e1b4a5f6c7d8e9f0a1b2c3d4' })).not.toContain('a3f0c9d2e1b4')
    expect(bad({ apiKeyEnv: 'NOT_SET_HERE' })).toContain('"NOT_SET_HERE"')
  })

  it('reads a .yaml or .yml file as YAML, any other as JSON, and names the format that failed', () => {
    const yaml = [
      'endpoints:',
      '  - name: a',
      '    baseUrl: https://api.example.com/v1',
      '    apiKeyEnv: KEY_A',
      '    rpm: 500',
      '    models: [gpt-4o-mini]',
    ].join('\n')
    const [a] = parseEndpoints('endpoints.yaml', yaml, env)
    expect(a).toMatchObject({ name: 'a', rpm: 500, models: ['gpt-4o-mini'] })
    expect(parseEndpoints('E.YML', yaml, env)).toEqual([a])
    expect(() => parseEndpoints('endpoints.json', yaml, env)).toThrow(/endpoints\.json: not JSON/)
    expect(() => parseEndpoints('endpoints.yaml', 'endpoints: [', env)).toThrow(/endpoints\.yaml: not YAML/)
  })

  it('reads each endpoint with its defaults and its key header from its variable', () => {
    const endpoints = parse({
      endpoints: [
        { name: 'a', baseUrl: 'https://api.example.com/v1/', apiKeyEnv: 'KEY_A', rpm: 500, tpm: 100000 },
        {
          name: 'b',
          baseUrl: 'https://b.example.com/openai/deployments/m?api-version=1',
          apiKeyEnv: 'KEY_B',
          azure: true,
          concurrency: 8,
          models: ['m'],
          weight: 2,
        },
      ],
    })
    expect(endpoints).toEqual([
      {
        name: 'a',
        baseUrl: 'https://api.example.com/v1',
        headers: { authorization: 'Bearer sk-a' },
        rpm: 500,
        tpm: 100000,
        concurrency: 'auto',
        models: undefined,
        weight: 1,
      },
      {
        name: 'b',
        baseUrl: 'https://b.example.com/openai/deployments/m?api-version=1',
        headers: { 'api-key': 'azure-b' },
        rpm: undefined,
        tpm: undefined,
        concurrency: 8,
        models: ['m'],
        weight: 2,
      },
    ])
  })

  it.each([
    [{ endpoints: [{ name: 'a', baseUrl: 'ftp://x' }] }, 'endpoints[0].baseUrl'],
    [{ endpoints: [{ name: 'a', baseUrl: 'https://u:p@x' }] }, 'endpoints[0].baseUrl'],
    [{ endpoints: [{ name: '', baseUrl: 'https://x' }] }, 'endpoints[0].name'],
    [{ endpoints: [{ name: 'a', baseUrl: 'https://x', models: [] }] }, 'endpoints[0].models'],
    [{ endpoints: [{ name: 'a', baseUrl: 'https://x', weight: 0 }] }, 'endpoints[0].weight'],
    [{ endpoints: [{ name: 'a', baseUrl: 'https://x', concurrency: 'fast' }] }, 'endpoints[0].concurrency'],
    [{ endpoints: [{ name: 'a', baseUrl: 'https://x', tpm: 1.5 }] }, 'endpoints[0].tpm'],
    [{ endpoints: [{ name: 'a', baseUrl: 'https://x', azure: 'yes' }] }, 'endpoints[0].azure'],
    [{ endpoints: [{ name: 'a', baseUrl: 'https://x', apiKeyEnv: 'NOT SET' }] }, 'endpoints[0].apiKeyEnv'],
    [{ endpoints: [{ name: 'a', baseUrl: 'https://x', key: 'sk-secret' }] }, 'endpoints[0].key'],
    [{ endpoints: ['a'] }, 'endpoints[0] to be an object'],
    [[{ name: 'a', baseUrl: 'https://x' }], 'expected endpoints to be an array'],
  ])('refuses %j, naming %s (ERR_ENDPOINTS_FILE)', (value, field) => {
    let error: unknown
    try {
      parse(value)
    } catch (caught) {
      error = caught
    }
    expect(error).toMatchObject({ code: 'ERR_ENDPOINTS_FILE', exitCode: 2 })
    expect((error as Error).message).toContain(field)
    expect((error as Error).message).toContain('endpoints.json')
    expect((error as Error).message).not.toContain('sk-secret')
  })
})
