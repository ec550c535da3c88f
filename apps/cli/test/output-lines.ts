import { readFile } from 'node:fs/promises'

/** Every line of an output file, parsed (none when the file does not exist). */
export async function lines(path: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(path, 'utf8').catch(() => '')
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

/** Resolves once the output file holds `count` lines. */
export async function waitForLines(path: string, count: number): Promise<void> {
  const deadline = Date.now() + 120_000
  while ((await lines(path)).length < count) {
    if (Date.now() > deadline) throw new Error(`${path} never reached ${count} lines`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
