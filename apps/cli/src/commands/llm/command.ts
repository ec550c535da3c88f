import { Command, Option } from 'commander'
import { addAuthFlags, DEFAULT_API_KEY_ENV } from '../../flags/auth'
import { examples, given, type ProgramHooks } from '../../flags/declare'
import { parseDuration, parseInteger } from '../../flags/parsers'
import { addRunFlags } from '../../flags/run-flags'
import { ANTHROPIC_API_KEY_ENV } from './anthropic'
import { addAnthropicFlags } from './anthropic-flags'
import { refuseBesideEndpoints, withEndpoints } from './endpoints'
import { addLaneFlags } from './lane-flags'
import {
  DEFAULT_BASE_URL,
  type LlmFlags,
  llmSettings,
  parseBaseUrl,
  parseLlmConcurrency,
  parseMaxCost,
  parsePrice,
} from './settings'

const AFTER = `

With --redis, workers make the requests with their own API key (--api-key-env and --azure are the
worker's, never sent through Redis); --rpm and --tpm hold for the whole cluster (the workers share
one token window in Redis).`

/** The most tokens per minute `--tpm` takes: a shared window in Redis counts in 64-bit integers. */
const MAX_TPM = 1e12

/** Declares the flags only `llm` has: the API, its limits, the request and its answer. */
function addLlmFlags(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--base-url <url>',
        'the API base URL; a request url /v1/... is joined to it without doubling /v1',
      )
        .default(DEFAULT_BASE_URL)
        .argParser(parseBaseUrl),
    )
    .addOption(
      new Option(
        '--rpm <n>',
        "the account's requests per minute (with --redis, for all workers together)",
      ).argParser((text: string) => parseInteger('--rpm', text, 1)),
    )
    .addOption(
      new Option(
        '--tpm <n>',
        "the account's tokens per minute: each request counts its prompt (by its characters, as OpenAI's rate limits count) and max_tokens (with --redis, for all workers together)",
      ).argParser((text: string) => parseInteger('--tpm', text, 1, { max: MAX_TPM })),
    )
    .addOption(
      new Option(
        '--concurrency <n>',
        "requests in flight at once, or 'auto' (adaptive); with --redis: each worker's --concurrency",
      )
        .default('auto')
        .argParser(parseLlmConcurrency),
    )
    .option(
      '--template <file>',
      'plain records: fill {{field}} (dotted paths) into this chat prompt (with --model)',
    )
    .option('--model <name>', 'the model of the --template requests')
    .option(
      '--key <field>',
      "with --template: the record's custom_id field, or a dotted path (default: its line number)",
    )
    .option(
      '--json-answer',
      "parse the first choice's content as JSON into the line's `answer` (ERR_ANSWER_NOT_JSON if not)",
    )
    .addOption(
      new Option(
        '--price <in=X,out=Y>',
        "USD per 1M input and output tokens (and cached=Z, cache-write=W), for every model; without it, each request's model in the price table",
      ).argParser(parsePrice),
    )
    .addOption(
      new Option(
        '--max-cost <usd>',
        "never start a request whose worst case (its prompt and every max_tokens at its model's price) would take the output's cost past <usd>; then stop (exit 3), the requests in flight written",
      ).argParser(parseMaxCost),
    )
    .option(
      '--dry-run',
      'read the whole input and send nothing: requests, malformed lines, tokens, the cost range and the least time --rpm/--tpm allow',
    )
    .addOption(
      new Option(
        '--max-attempts <n>',
        'attempts per request (429, 5xx, network errors, timeouts are retried)',
      )
        .default(6)
        .argParser((text: string) => parseInteger('--max-attempts', text, 1, { max: 100 })),
    )
    .option(
      '--endpoints <file>',
      'several deployments in one run (JSON, or YAML for .yaml/.yml: each a baseUrl, apiKeyEnv, rpm, tpm, concurrency, models, weight): each request goes to an endpoint serving its model with the most room, a failing one is drained',
    )
    .addOption(
      new Option('--timeout <ms>', 'timeout of one attempt (500, 2s, 1min)')
        .default(600_000, '10min')
        .argParser((text: string) => parseDuration('--timeout', text)),
    )
}

/** `boundkit llm <input> --out <file> [options]`. */
export function llmCommand(hooks: ProgramHooks): Command {
  const command = new Command('llm')
    .description(
      'Run an OpenAI Batch API request file (or records filled into a template) live, at the API limits, resumable, into the Batch API output format in input order.',
    )
    .argument(
      '<input>',
      'a Batch API request file ({"custom_id","method","url","body"} a line), an Anthropic Message Batches file ({"custom_id","params"}), or plain records with --template',
    )
  addLlmFlags(command)
  addLaneFlags(command)
  addAnthropicFlags(command)
  addAuthFlags(
    command,
    `the environment variable holding the API key (default: ${DEFAULT_API_KEY_ENV}, ${ANTHROPIC_API_KEY_ENV} for Anthropic; unset: no key sent)`,
    "send the key as Azure's api-key header instead of Authorization: Bearer",
  )
  addRunFlags(command, {
    out: 'the output JSONL file (Batch API output lines, in input order, crash-safe)',
    resume: 'the custom_ids it already holds',
    retryFailed:
      'with --resume: send again the requests whose line is a failure; the output ends with one line per custom_id, the newest',
  })
  return command
    .addHelpText(
      'after',
      examples(
        'boundkit llm requests.jsonl --out results.jsonl --rpm 500 --tpm 200000 --price in=0.15,out=0.6',
        'boundkit llm conversations.jsonl --template judge.md --model gpt-4o-mini --key id --json-answer --out judged.jsonl',
        'boundkit llm requests.jsonl --base-url http://127.0.0.1:8000/v1 --out results.jsonl --resume --retry-failed',
        'boundkit llm requests.jsonl --out results.jsonl --rpm 500 --redis "$REDIS_URL"   # workers: boundkit worker --redis "$REDIS_URL" --api-key-env OPENAI_API_KEY --origin https://api.openai.com',
      ) + AFTER,
    )
    .action(async (input: string, flags: LlmFlags, self: Command) => {
      refuseBesideEndpoints(flags, given(self))
      const settings = withEndpoints(llmSettings(input, flags, given(self)), flags, given(self))
      const { runLlm } = await import('./run')
      hooks.exit(await runLlm(settings))
    })
}
