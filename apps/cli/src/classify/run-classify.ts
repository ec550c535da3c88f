export async function runClassify(_target: string[], _options: unknown, _dashDash: boolean): Promise<number> {
  return 0
}
