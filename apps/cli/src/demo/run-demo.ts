export async function runDemo(_options: unknown): Promise<number> {
  return 0
}
