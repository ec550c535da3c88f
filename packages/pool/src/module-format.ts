import { existsSync } from 'node:fs'
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

/** Node's message for a relative import whose file does not exist. */
const NOT_FOUND = /Cannot find module '([^']+\.(m|c)?js)' imported from /

/**
 * What to do when a TypeScript worker file failed to load because it imports a sibling by its `.js`
 * name (`./hash-core.js`, TypeScript's NodeNext style) and only the `.ts` file exists, or `''`. Node
 * runs a `.ts` file as written: it does not look for `hash-core.ts` when told `hash-core.js`.
 */
export function typeScriptImportHint(path: string, reason: string): string {
  if (!['.ts', '.mts', '.cts'].includes(extname(path))) return ''
  const missing = NOT_FOUND.exec(reason)
  if (!missing) return ''
  const source = missing[1]!.replace(/js$/, 'ts')
  if (!existsSync(source)) return ''
  const name = basename(source)
  return (
    ` Node runs ${basename(path)} as written and does not look for ${name} when told ${basename(missing[1]!)}:` +
    ` import it as ./${name} (in tsconfig.json, "allowImportingTsExtensions", or "rewriteRelativeImportExtensions"` +
    ' where tsc also emits JavaScript), or build the worker to JavaScript first.'
  )
}
