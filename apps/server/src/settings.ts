/** How a setting's text is read. */
type SettingKind = 'integer' | 'number' | 'string' | 'boolean' | 'list'

export interface Setting {
  flag: string
  env: string
  /** The option it sets: a key of ServerOptions, `judge.<key>` or `batches.<key>`. */
  option: string
  kind: SettingKind
  /** The default as shown in --help and the README. */
  shown: string
  help: string
}

type Row = [flag: string, env: string, option: string, kind: SettingKind, shown: string, help: string]

/** flag, environment variable, option, kind, default shown, help. */
// biome-ignore format: a table, one setting per row
const ROWS: readonly Row[] = [
  ['port',                 'PORT',                             'port',                      'integer', '3000',                    'TCP port (0: any free port)'],
  ['host',                 'HOST',                             'host',                      'string',  '127.0.0.1',               'interface to listen on'],
  ['body-limit',           'BOUNDKIT_BODY_LIMIT',              'bodyLimitBytes',            'integer', '1048576',                 'largest request body, bytes (larger: 413)'],
  ['max-batch',            'BOUNDKIT_MAX_BATCH',               'maxBatchSize',              'integer', '100',                     'most items in a request array (judge contexts)'],
  ['max-text',             'BOUNDKIT_MAX_TEXT',                'maxTextLength',             'integer', '20000',                   'longest string field, characters'],
  ['max-fib-n',            'BOUNDKIT_MAX_FIB_N',               'maxFibN',                   'integer', '40',                      'largest n of /cpu/fib/:n (at most 78)'],
  ['max-image-side',       'BOUNDKIT_MAX_IMAGE_SIDE',          'maxImageSide',              'integer', '1024',                    'largest image width or height, pixels'],
  ['image-cache-bytes',    'BOUNDKIT_IMAGE_CACHE_BYTES',       'imageCacheBytes',           'integer', '67108864',                'bytes of rendered images kept in memory (0: render every request)'],
  ['image-latency-ms',     'BOUNDKIT_IMAGE_LATENCY_MS',        'imageLatencyMs',            'integer', '0',                       "wait before answering an image (a remote origin's network time), ms"],
  ['threads',              'BOUNDKIT_THREADS',                 'threads',                   'integer', '(available parallelism)', 'worker threads of the pool (mode=pool, thumbnails)'],
  ['fetch-concurrency',    'BOUNDKIT_FETCH_CONCURRENCY',       'fetchConcurrency',          'integer', '8',                       'image fetches in flight at once for /thumbnails'],
  ['shutdown-timeout',     'BOUNDKIT_SHUTDOWN_TIMEOUT_MS',     'shutdownTimeoutMs',         'number',  '10000',                   'ms to let in-flight requests finish on SIGTERM/SIGINT (Infinity: no deadline)'],
  ['log',                  'BOUNDKIT_LOG',                     'logger',                    'boolean', 'false',                   'log requests as JSON lines'],
  ['dashboard',            'BOUNDKIT_DASHBOARD',               'dashboard',                 'boolean', 'true',                    'serve the live page at /dashboard/ (BOUNDKIT_DASHBOARD=false: off)'],
  ['seed',                 'BOUNDKIT_SEED',                    'seed',                      'integer', '(unset: Math.random)',    'seed of judge latency and faults'],
  ['judge-latency-dist',   'BOUNDKIT_JUDGE_LATENCY_DIST',      'judge.latencyDistribution', 'string',  'normal',                  'fixed, uniform, normal or exponential'],
  ['judge-latency',        'BOUNDKIT_JUDGE_LATENCY_MS',        'judge.latencyMs',           'number',  '200',                     'mean judge latency, ms'],
  ['judge-latency-spread', 'BOUNDKIT_JUDGE_LATENCY_SPREAD_MS', 'judge.latencySpreadMs',     'number',  '50',                      'half-width (uniform) or standard deviation (normal), ms'],
  ['judge-latency-max',    'BOUNDKIT_JUDGE_LATENCY_MAX_MS',    'judge.latencyMaxMs',        'number',  '5000',                    'upper clamp of a latency draw, ms'],
  ['judge-rate',           'BOUNDKIT_JUDGE_RATE',              'judge.ratePerSecond',       'number',  '50',                      'token-bucket refill, requests/s (Infinity: no limit)'],
  ['judge-burst',          'BOUNDKIT_JUDGE_BURST',             'judge.burst',               'integer', '50',                      'token-bucket capacity'],
  ['judge-fault-rate',     'BOUNDKIT_JUDGE_FAULT_RATE',        'judge.faultRate',           'number',  '0',                       'share of judge requests that fail, 0 to 1'],
  ['judge-fault-kinds',    'BOUNDKIT_JUDGE_FAULT_KINDS',       'judge.faultKinds',          'list',    '500,503,reset',           'how failing requests fail, comma-separated'],
  ['chat-rpm',             'BOUNDKIT_CHAT_RPM',                'chatRpm',                   'number',  '600',                     'requests/min of /v1/chat/completions (Infinity: no limit)'],
  ['chat-tpm',             'BOUNDKIT_CHAT_TPM',                'chatTpm',                   'number',  '60000',                   'tokens/min of /v1/chat/completions (Infinity: no limit)'],
  ['chat-window-ms',       'BOUNDKIT_CHAT_WINDOW_MS',          'chatWindowMs',              'integer', '10000',                   'window the per-minute chat limits are enforced over, ms'],
  ['chat-window-mode',     'BOUNDKIT_CHAT_WINDOW_MODE',        'chatWindowMode',            'string',  'fixed',                   'fixed (quantized windows) or sliding (the last window)'],
  ['chat-accounting',      'BOUNDKIT_CHAT_ACCOUNTING',         'chatAccounting',            'string',  'reserve',                 'reserve (prompt + max tokens, final at admission) or refund (corrected to usage)'],
  ['messages-rpm',         'BOUNDKIT_MESSAGES_RPM',            'messagesRpm',               'number',  '600',                     'requests/min of /v1/messages (Infinity: no limit)'],
  ['messages-itpm',        'BOUNDKIT_MESSAGES_ITPM',           'messagesItpm',              'number',  '60000',                   'input tokens/min of /v1/messages (Infinity: no limit)'],
  ['messages-otpm',        'BOUNDKIT_MESSAGES_OTPM',           'messagesOtpm',              'number',  '12000',                   'output tokens/min of /v1/messages, max_tokens settled to usage (Infinity: no limit)'],
  ['batch-max-requests',   'BOUNDKIT_BATCH_MAX_REQUESTS',      'batches.maxRequests',       'integer', '50000',                   'most requests in one Batch API input file (more: the batch fails validation, too_many_requests)'],
]

/** Every setting of the standalone server: flag, environment variable, option, default. */
export const SETTINGS: readonly Setting[] = ROWS.map(([flag, env, option, kind, shown, help]) => ({
  flag,
  env,
  option,
  kind,
  shown,
  help,
}))
