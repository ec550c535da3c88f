import { BoundkitError, type Fail, optionFailure } from '@boundkit/internal'

/**
 * Every error code the server uses: `ERR_INVALID_OPTION` at start, the others as the `code` of an HTTP
 * error body `{ error: { code, message } }`.
 */
export type ServerErrorCode =
  | 'ERR_INVALID_OPTION'
  | 'ERR_VALIDATION'
  | 'ERR_MALFORMED_JSON'
  | 'ERR_FORBIDDEN_KEY'
  | 'ERR_BODY_TOO_LARGE'
  | 'ERR_UNSUPPORTED_MEDIA_TYPE'
  | 'ERR_INVALID_ID'
  | 'ERR_URL_NOT_ALLOWED'
  | 'ERR_IMAGE_FETCH'
  | 'ERR_NOT_FOUND'
  | 'ERR_RATE_LIMITED'
  | 'ERR_FAULT_INJECTED'
  | 'ERR_UNAVAILABLE'
  | 'ERR_BAD_REQUEST'
  | 'ERR_INTERNAL'

/** The server's one error class; `status` is the HTTP status it is answered with. */
export class ServerError extends BoundkitError<ServerErrorCode> {
  readonly status: number

  constructor(code: ServerErrorCode, message: string, options?: { status?: number; cause?: unknown }) {
    super(code, message, options)
    this.status = options?.status ?? 500
  }
}

/** Throws `ERR_INVALID_OPTION` with what was expected and what was given: the `fail` of the option checks. */
export const invalidOption: Fail = optionFailure((message) => new ServerError('ERR_INVALID_OPTION', message))

/** The JSON body of every error answer. */
interface ErrorBody {
  error: { code: ServerErrorCode; message: string }
}

export function errorBody(code: ServerErrorCode, message: string): ErrorBody {
  return { error: { code, message } }
}
