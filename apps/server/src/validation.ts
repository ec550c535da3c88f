import Ajv from 'ajv'
import type { FastifySchemaCompiler } from 'fastify'

/**
 * Schema validation with two Ajv set-ups. Bodies are JSON, so their types are checked as sent: no
 * coercion (`"id": 123` is refused, not turned into "123") and unknown fields are refused, not
 * silently dropped. Path and query parameters are always strings and are coerced to the schema types.
 */
export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const common = { useDefaults: true, removeAdditional: false, allErrors: false, strict: true } as const
  const body = new Ajv({ ...common, coerceTypes: false })
  const parameters = new Ajv({ ...common, coerceTypes: true })
  return ({ schema, httpPart }) =>
    (httpPart === 'body' ? body : parameters).compile(schema as object) as ReturnType<
      FastifySchemaCompiler<unknown>
    >
}
