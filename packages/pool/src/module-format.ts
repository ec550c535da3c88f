import { basename, extname } from 'node:path'

/** Node's own messages for `import`/`export` in a file it loads as CommonJS. */
const ESM_IN_COMMONJS = /Cannot use import statement outside a module|Unexpected token 'export'/

/** The extension that makes each kind of file an ES module whatever its package.json says. */
const ESM_EXTENSION: Readonly<Record<string, string>> = {
  '.ts': '.mts',
  '.js': '.mjs',
  '.cts': '.mts',
  '.cjs': '.mjs',
}

/**
 * What to do when a worker file written as an ES module failed to load as CommonJS (`reason` is the
 * load error's message), or `''`. A `.ts` or `.js` file loads as CommonJS unless its nearest
 * package.json says `"type": "module"`: Node guesses from the syntax when there is no `"type"`, but
 * not under `"type": "commonjs"` (which `npm init` writes). A `.cts` or `.cjs` file always does.
 */
export function moduleFormatHint(path: string, reason: string): string {
  const extension = extname(path)
  const esm = ESM_EXTENSION[extension]
  if (esm === undefined || !ESM_IN_COMMONJS.test(reason)) return ''
  const name = basename(path)
  if (extension === '.cts' || extension === '.cjs') {
    return ` ${name} uses import/export, but a ${extension} file is always CommonJS: rename it to ${esm}.`
  }
  return (
    ` Node loads ${name} as CommonJS because the nearest package.json does not say "type": "module":` +
    ` rename it to ${esm}, or set "type": "module" in that package.json.`
  )
}
