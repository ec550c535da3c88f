import type { FastifyInstance, FastifyReply } from 'fastify'
import type { FileStore } from '../batch-files'
import { boundaryOf, parseMultipart } from '../multipart'
import { openAIError, openAIErrorHandler } from '../openai-errors'
import type { ResolvedServerOptions } from '../options'

/** Room for the multipart framing and the `purpose` field around the file's bytes. */
const FORM_OVERHEAD_BYTES = 64 * 1024

const invalid = (message: string, param: string | null = null) =>
  openAIError(message, 'invalid_request_error', null, param)

/** The 404 of an unknown file, as OpenAI words it. */
export function noSuchFile(reply: FastifyReply, id: string): FastifyReply {
  return reply.code(404).send(invalid(`No such File object: ${id}`, 'id'))
}

/**
 * The Files API of the Batch API: `POST /v1/files` (multipart: `purpose=batch` and `file`),
 * `GET /v1/files/:id`, `GET /v1/files/:id/content`, `DELETE /v1/files/:id`. Files live in memory,
 * `fileMaxBytes` each and `storeMaxBytes` in all (413 past either).
 */
export function registerFilesRoutes(
  app: FastifyInstance,
  options: ResolvedServerOptions,
  files: FileStore,
): void {
  const { fileMaxBytes } = options.batches
  const bodyLimit = fileMaxBytes + FORM_OVERHEAD_BYTES
  app.register(async (scope) => {
    scope.addContentTypeParser(
      'multipart/form-data',
      { parseAs: 'buffer', bodyLimit },
      (_request, body, done) => done(null, body),
    )
    scope.post('/v1/files', { bodyLimit, errorHandler: openAIErrorHandler }, async (request, reply) => {
      const boundary = boundaryOf(request.headers['content-type'])
      const parts = boundary === undefined ? undefined : parseMultipart(request.body as Buffer, boundary)
      if (parts === undefined)
        return reply.code(400).send(invalid('The body is not a valid multipart/form-data body.'))
      const purpose = parts.find((part) => part.name === 'purpose')?.content.toString('utf8')
      const file = parts.find((part) => part.name === 'file' && part.filename !== undefined)
      if (purpose !== 'batch') {
        return reply
          .code(400)
          .send(invalid(`Invalid value for 'purpose': this server takes 'batch' files only.`, 'purpose'))
      }
      if (file === undefined)
        return reply.code(400).send(invalid("Missing required parameter: 'file'.", 'file'))
      if (file.content.length > fileMaxBytes) {
        return reply
          .code(413)
          .send(invalid(`The file is larger than ${fileMaxBytes} bytes (fileMaxBytes).`, 'file'))
      }
      const stored = files.add(Buffer.from(file.content), file.filename ?? 'file', purpose)
      if (stored === undefined) {
        return reply
          .code(413)
          .send(invalid('The server has no room for this file (storeMaxBytes): delete files first.', 'file'))
      }
      return stored
    })
  })
  app.get<{ Params: { id: string } }>(
    '/v1/files/:id',
    { errorHandler: openAIErrorHandler },
    async (request, reply) => {
      const file = files.get(request.params.id)
      return file === undefined ? noSuchFile(reply, request.params.id) : file.object
    },
  )
  app.get<{ Params: { id: string } }>(
    '/v1/files/:id/content',
    { errorHandler: openAIErrorHandler },
    async (request, reply) => {
      const file = files.get(request.params.id)
      if (file === undefined) return noSuchFile(reply, request.params.id)
      return reply.type('application/octet-stream').send(file.content)
    },
  )
  app.delete<{ Params: { id: string } }>(
    '/v1/files/:id',
    { errorHandler: openAIErrorHandler },
    async (request, reply) => {
      const { id } = request.params
      return files.delete(id) ? { id, object: 'file', deleted: true } : noSuchFile(reply, id)
    },
  )
}
