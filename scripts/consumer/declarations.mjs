/**
 * What a package ships, read from its tarball and its installed copy: a clean manifest, and
 * declarations a TypeScript user can read (one file per module format, no `any`, every doc tag a real
 * one, no value that is declared but not exported).
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, relative } from 'node:path'

/** `any` in a package's declarations, at most: untyped calls give `unknown`, as typed pool libraries do. */
export const MAX_ANY = 0

/** Doc tags that mean what they say; anything else is text an editor took for a tag (` @boundkit/x`). */
const DOC_TAGS = new Set([
  'default',
  'deprecated',
  'example',
  'internal',
  'link',
  'param',
  'remarks',
  'returns',
  'see',
  'throws',
  'typeParam',
])

/**
 * Values the declarations may name without exporting them: `asyncDispose` is the disposal symbol
 * (`typeof Symbol.asyncDispose`) that `close()`-able classes are keyed with.
 */
const UNEXPORTED_VALUES = new Set(['asyncDispose'])

/** The problems of the package.json inside a tarball: what a user installs must not point back at the workspace. */
export function manifestProblems(tarball) {
  const manifest = JSON.parse(
    execFileSync('tar', ['-xOzf', tarball, 'package/package.json'], { encoding: 'utf8' }),
  )
  const problems = []
  if (manifest.devDependencies) problems.push('keeps devDependencies')
  if (manifest.scripts) problems.push(`keeps scripts (${Object.keys(manifest.scripts).join(', ')})`)
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, range] of Object.entries(manifest[field] ?? {})) {
      if (String(range).startsWith('workspace:')) problems.push(`${field}.${name} is ${range}`)
      if (name === '@boundkit/internal') problems.push(`${field} names the unpublished @boundkit/internal`)
    }
  }
  return problems
}

function declarationFiles(dir) {
  return readdirSync(dir, { recursive: true })
    .filter((file) => /\.d\.c?ts$/.test(file))
    .map((file) => join(dir, file))
}

/** The problems of one declaration file, read with the consumer's own TypeScript. */
function fileProblems(ts, file) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
  const problems = []
  const line = (node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1
  const anys = []
  const visit = (node) => {
    if (node.kind === ts.SyntaxKind.AnyKeyword) anys.push(line(node))
    for (const tag of ts.getJSDocTags(node)) {
      if (!DOC_TAGS.has(tag.tagName.text))
        problems.push(`line ${line(tag)}: a doc comment has @${tag.tagName.text}`)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  if (anys.length > MAX_ANY)
    problems.push(`${anys.length} any (lines ${anys.join(', ')}), more than ${MAX_ANY}`)
  const exported = new Set()
  const values = []
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && statement.moduleSpecifier.text.startsWith('.')) {
      problems.push(`imports ${statement.moduleSpecifier.text}, a file of its own declarations`)
    }
    if (
      ts.isExportDeclaration(statement) &&
      statement.exportClause &&
      ts.isNamedExports(statement.exportClause)
    ) {
      for (const element of statement.exportClause.elements)
        exported.add((element.propertyName ?? element.name).text)
    }
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations)
        values.push(declaration.name.getText(source))
    } else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name) {
      values.push(statement.name.text)
    }
  }
  for (const value of new Set(values)) {
    if (!exported.has(value) && !UNEXPORTED_VALUES.has(value))
      problems.push(`declares ${value}, which it does not export`)
  }
  return problems
}

/** The problems of an installed package's declarations: exactly index.d.ts and index.d.cts, each clean. */
export function declarationProblems(app, packageDir) {
  const ts = createRequire(join(app, 'package.json'))('typescript')
  const files = declarationFiles(packageDir)
  const names = files.map((file) => relative(packageDir, file)).sort()
  const problems = []
  if (JSON.stringify(names) !== JSON.stringify(['dist/index.d.cts', 'dist/index.d.ts'])) {
    problems.push(`ships ${names.join(', ')}; expected dist/index.d.ts and dist/index.d.cts alone`)
  }
  for (const file of files) {
    // A comment attached to a statement and to its declaration is read twice: report it once.
    for (const problem of new Set(fileProblems(ts, file)))
      problems.push(`${relative(packageDir, file)}: ${problem}`)
  }
  return problems
}
