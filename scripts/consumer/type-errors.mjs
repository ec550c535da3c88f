/**
 * Type errors as a user reads them: each scripts/consumer/type-errors/*.mts must fail to compile
 * against the packed declarations with the message its first line gives (`// expect: <regex>`).
 */
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const cases = join(import.meta.dirname, 'type-errors')

/**
 * The problems of each case, compiled alone in a folder of `app` (apart from the type tests, which
 * must compile); `[]` when each fails as its first line says.
 */
export function typeErrorProblems(app) {
  const folder = join(app, 'type-errors')
  mkdirSync(folder, { recursive: true })
  const problems = []
  for (const file of readdirSync(cases).filter((name) => name.endsWith('.mts'))) {
    const source = readFileSync(join(cases, file), 'utf8')
    const expected = /^\/\/ expect: (.+)$/m.exec(source)?.[1]
    if (expected === undefined) throw new Error(`${file} has no "// expect: <regex>" line`)
    cpSync(join(cases, file), join(folder, file))
    const config = join(folder, `tsconfig.${file}.json`)
    writeFileSync(
      config,
      JSON.stringify({
        compilerOptions: { module: 'nodenext', strict: true, noEmit: true, types: ['node'] },
        files: [file],
      }),
    )
    let output = ''
    try {
      execFileSync(process.execPath, [join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', config], {
        cwd: folder,
        encoding: 'utf8',
      })
    } catch (error) {
      output = `${error.stdout ?? ''}`
    }
    if (!new RegExp(expected).test(output)) {
      problems.push(`${file}: expected an error matching ${expected}, got: ${output.trim() || 'none'}`)
    }
  }
  return problems
}
