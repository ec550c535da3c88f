import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { classifyError } from './http-errors'

/** OpenAI's error body, which its SDKs read (`error.type`, `error.code`, `error.param`). */
export interface OpenAIErrorBody {
  error: { message: string; type: string; code: string | null; param: string | null }
}

export function openAIError(
  message: string,
  type: string,
  code: string | null = null,
  param: string | null = null,
): OpenAIErrorBody {
  return { error: { message, type, code, param } }
}

/** One Ajv error, as Fastify hands them over in `error.validation`. */
interface SchemaError {
  keyword: string
  instancePath: string
  params: Record<string, unknown>
  message?: string
}

/** `/messages/0/content` -> `messages[0].content`, as OpenAI names a parameter. */
function parameterName(instancePath: string, child?: string): string {
  const segments = instancePath.split('/').slice(1)
  if (child !== undefined) segments.push(child)
  return segments
    .map((segment, index) => (/^\d+$/.test(segment) ? `[${segment}]` : index === 0 ? segment : `.${segment}`))
    .join('')
}

function valueAt(body: unknown, instancePath: string): unknown {
  let value = body
  for (const segment of instancePath.split('/').slice(1)) {
    value = (value as Record<string, unknown> | undefined)?.[segment]
  }
  return value
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a decimal',
  boolean: 'a boolean',
  array: 'an array',
  object: 'an object',
  null: 'null',
}

function typeOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal'
  return TYPE_NAMES[typeof value] ?? typeof value
}

/** `a string, an array or null` */
function expectedTypes(types: unknown[]): string {
  const names = types.flat().map((type) => TYPE_NAMES[String(type)] ?? String(type))
  return names.length < 2
    ? (names[0] ?? 'another type')
    : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`
}

/**
 * The error to report: the first, unless a value matched none of an `anyOf`'s branches. Then the
 * error inside the branch the value's type matched (a content part without `type`), else the `anyOf`.
 */
function chosenError(errors: readonly SchemaError[]): SchemaError {
  const either = errors.find((e) => e.keyword === 'anyOf')
  if (!either) return errors[0]!
  return errors.find((e) => e.instancePath.startsWith(`${either.instancePath}/`)) ?? either
}

/** A schema refusal as OpenAI words it: the parameter, what was expected, what was sent. */
function describeSchemaError(errors: readonly SchemaError[], body: unknown): OpenAIErrorBody {
  const error = chosenError(errors)
  const { keyword, instancePath, params } = error
  const value = valueAt(body, instancePath)
  const param = parameterName(
    instancePath,
    keyword === 'required' ? String(params.missingProperty) : undefined,
  )
  const invalid = (message: string, code: string) =>
    openAIError(message, 'invalid_request_error', code, param)
  const got = `but got ${typeOf(value)} instead`
  switch (keyword) {
    case 'required':
      return invalid(`Missing required parameter: '${param}'.`, 'missing_required_parameter')
    case 'type':
    case 'anyOf': {
      const types =
        keyword === 'type'
          ? [params.type]
          : errors
              .filter((e) => e.keyword === 'type' && e.instancePath === instancePath)
              .map((e) => e.params.type)
      return invalid(`Invalid type for '${param}': expected ${expectedTypes(types)}, ${got}.`, 'invalid_type')
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => `'${String(v)}'`).join(', ')
      return invalid(
        `Invalid value for '${param}': expected one of ${allowed}, but got ${JSON.stringify(value)} instead.`,
        'invalid_value',
      )
    }
    case 'minItems':
      if (Array.isArray(value) && value.length === 0) {
        return invalid(
          `Invalid '${param}': empty array. Expected an array with minimum length ${String(params.limit)}, but got an empty array instead.`,
          'empty_array',
        )
      }
      return invalid(`Invalid '${param}': ${error.message}.`, 'invalid_value')
    default:
      return invalid(
        `Invalid '${param}': ${error.message}, but got ${JSON.stringify(value)}.`,
        'invalid_value',
      )
  }
}

/**
 * The error handler of the OpenAI-compatible routes: every error answered in OpenAI's shape with the
 * status it would have anyway (400 for a schema refusal or bad JSON, 413, 415, 500).
 */
export function openAIErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error.validation && error.validationContext === 'body') {
    return reply.code(400).send(describeSchemaError(error.validation as SchemaError[], request.body))
  }
  const { status, code, message } = classifyError(error)
  if (status >= 500) reply.log.error({ err: error }, 'request failed')
  const type = status >= 500 ? 'server_error' : 'invalid_request_error'
  return reply.code(status).send(openAIError(message, type, code.replace(/^ERR_/, '').toLowerCase()))
}
