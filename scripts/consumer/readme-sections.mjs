/**
 * README code run as a user who copies it would: the ```js blocks under a `## Heading`, each starting
 * with `// file: NAME.mjs`, are written into a folder of the consumer project and run there with this
 * Node.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const TIMEOUT_MS = 120_000

/** The text of a README's first `## <heading>` section, or undefined. */
export function readmeSection(dir, heading) {
  const readme = readFileSync(join(dir, 'README.md'), 'utf8')
  return readme.split(/^## /m).find((part) => new RegExp(`^${heading}\\b`).test(part))
}

/** Writes the section's `// file:` blocks into `folder`; returns the file names in order. */
export function writeBlocks(section, heading, folder) {
  const blocks = [...section.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((match) => match[1])
  if (blocks.length === 0) throw new Error(`its "## ${heading}" section has no \`\`\`js block`)
  mkdirSync(folder, { recursive: true })
  return blocks.map((code) => {
    const file = /^\/\/ file: ([\w.-]+\.m?js)\n/.exec(code)?.[1]
    if (file === undefined) throw new Error('an example block does not start with `// file: NAME.mjs`')
    writeFileSync(join(folder, file), code)
    return file
  })
}

/** Runs `node file` in `folder`; its stdout, or an error with the last lines it printed. */
export function runNode(file, folder, env = {}) {
  try {
    return execFileSync(process.execPath, [file], {
      cwd: folder,
      env: { ...process.env, ...env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: TIMEOUT_MS,
    })
  } catch (error) {
    const output = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n')
    throw new Error(`${file} failed (${error.signal ?? `exit ${error.status}`}):\n${output}`)
  }
}

/**
 * A README's first `## Example`: its blocks are written into `<app>/examples/<name>` and the last one
 * is run. Returns the file it ran.
 */
export function readmeExample(dir, name, app, env) {
  const section = readmeSection(dir, 'Example')
  if (section === undefined) throw new Error('the README has no "## Example" section')
  const folder = join(app, 'examples', name.replace('@boundkit/', ''))
  const files = writeBlocks(section, 'Example', folder)
  runNode(files.at(-1), folder, env)
  return files.at(-1)
}

/**
 * A README's `## Bundling` recipe, where it has one: its blocks are written into
 * `<app>/examples/<name>-bundling`, `build.mjs` bundles the app into `dist/`, and `dist/main.mjs` must
 * print what the section says it prints (`` prints `...` ``) with the package inlined, not imported.
 * Returns false when the README has no such section.
 */
export function readmeBundling(dir, name, app) {
  const section = readmeSection(dir, 'Bundling')
  if (section === undefined) return false
  const folder = join(app, 'examples', `${name.replace('@boundkit/', '')}-bundling`)
  const files = writeBlocks(section, 'Bundling', folder)
  if (!files.includes('build.mjs')) throw new Error('its "## Bundling" section has no build.mjs block')
  runNode('build.mjs', folder)
  const bundle = readFileSync(join(folder, 'dist', 'main.mjs'), 'utf8')
  const imported = new RegExp(`(from|import|require)\\s*\\(?\\s*["']${name}["']`)
  if (imported.test(bundle)) throw new Error(`dist/main.mjs imports ${name} instead of inlining it`)
  const printed = runNode(join('dist', 'main.mjs'), folder).trim()
  const promised = /prints `([^`]+)`/.exec(section)?.[1]
  if (printed !== promised) throw new Error(`dist/main.mjs printed ${printed}, the README says ${promised}`)
  return true
}
