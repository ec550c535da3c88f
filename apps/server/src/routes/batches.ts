import type { FastifyInstance } from 'fastify'
import type { FileStore } from '../batch-files'
import { readBatchInput } from '../batch-input'
import { BatchJob } from '../batch-job'
import { openAIError, openAIErrorHandler } from '../openai-errors'
import type { ResolvedServerOptions } from '../options'
import { noSuchFile } from './files'

interface CreateBody {
  input_file_id: string
  endpoint: string
  completion_window: string
  metadata?: Record<string, string> | null
}

const ENDPOINTS = ['/v1/chat/completions']

const createSchema = {
  type: 'object',
  required: ['input_file_id', 'endpoint', 'completion_window'],
  properties: {
    input_file_id: { type: 'string', minLength: 1, maxLength: 256 },
    endpoint: { type: 'string', enum: ENDPOINTS },
    completion_window: { type: 'string', enum: ['24h'] },
    metadata: {
      type: 'object',
      nullable: true,
      maxProperties: 16,
      additionalProperties: { type: 'string', maxLength: 512 },
    },
  },
}

const listSchema = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 100 },
    after: { type: 'string', maxLength: 256 },
  },
}

const invalid = (message: string, param: string | null = null) =>
  openAIError(message, 'invalid_request_error', null, param)

/**
 * The Batch API: `POST /v1/batches` (a `purpose=batch` file of `/v1/chat/completions` requests),
 * `GET /v1/batches/:id`, `GET /v1/batches` (newest first, `limit` and `after`), and
 * `POST /v1/batches/:id/cancel`. A batch is validated when it is created (its failure shows from the
 * first read) and runs as `BatchJob` says, through the chat completion route's own answer.
 */
export function registerBatchesRoutes(
  app: FastifyInstance,
  options: ResolvedServerOptions,
  files: FileStore,
): void {
  const batches = new Map<string, BatchJob>()
  const common = { errorHandler: openAIErrorHandler }
  app.post<{ Body: CreateBody }>(
    '/v1/batches',
    { ...common, schema: { body: createSchema } },
    async (request, reply) => {
      const { input_file_id: inputFileId, endpoint, metadata } = request.body
      const file = files.get(inputFileId)
      if (file === undefined) return noSuchFile(reply, inputFileId)
      if (file.object.purpose !== 'batch') {
        return reply
          .code(400)
          .send(invalid(`File ${inputFileId} was not uploaded with purpose 'batch'.`, 'input_file_id'))
      }
      const input = readBatchInput(file.content, endpoint, options.batches)
      const job = new BatchJob(
        { inputFileId, endpoint, metadata: metadata ?? null },
        input,
        options.batches,
        files,
      )
      batches.set(job.object.id, job)
      return job.object
    },
  )
  app.get<{ Querystring: { limit?: number; after?: string } }>(
    '/v1/batches',
    { ...common, schema: { querystring: listSchema } },
    async (request) => {
      const all = [...batches.values()].reverse()
      const from =
        request.query.after === undefined
          ? 0
          : all.findIndex((job) => job.object.id === request.query.after) + 1
      const page = all.slice(from, from + (request.query.limit ?? 20)).map((job) => job.read(options.now()))
      return {
        object: 'list',
        data: page,
        first_id: page[0]?.id ?? null,
        last_id: page.at(-1)?.id ?? null,
        has_more: from + page.length < all.length,
      }
    },
  )
  app.get<{ Params: { id: string } }>('/v1/batches/:id', common, async (request, reply) => {
    const job = batches.get(request.params.id)
    if (job === undefined)
      return reply.code(404).send(invalid(`No such Batch object: ${request.params.id}`, 'id'))
    return job.read(options.now())
  })
  app.post<{ Params: { id: string } }>('/v1/batches/:id/cancel', common, async (request, reply) => {
    const job = batches.get(request.params.id)
    if (job === undefined)
      return reply.code(404).send(invalid(`No such Batch object: ${request.params.id}`, 'id'))
    if (!job.cancel(options.now())) {
      return reply.code(409).send(invalid(`Cannot cancel a batch with status '${job.object.status}'.`))
    }
    return job.object
  })
}
