/** One deployment of `--endpoints`, checked: where it is, its key's header, its limits, its models. */
export interface Endpoint {
  name: string
  baseUrl: string
  /** The key's header (`Authorization: Bearer`, or Azure's `api-key`), from `apiKeyEnv`; never printed. */
  headers: Record<string, string>
  rpm: number | undefined
  tpm: number | undefined
  concurrency: number | 'auto'
  /** The models it serves; undefined: every model. */
  models: readonly string[] | undefined
  /** How much more it is chosen than the others when their room is the same. @default 1 */
  weight: number
}

/** Whether the endpoint serves `model` (one without `models` serves every model). */
export function serves(endpoint: Endpoint, model: string | undefined): boolean {
  return endpoint.models === undefined || (model !== undefined && endpoint.models.includes(model))
}
