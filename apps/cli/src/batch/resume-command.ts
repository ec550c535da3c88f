function quote(arg: string): string {
  return /^[\w./:=@%+,-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`
}

/** The command line to run again to continue: the same one, with --resume. */
export function resumeCommand(argv: readonly string[]): string {
  const args = argv.slice(2)
  if (!args.includes('--resume')) args.push('--resume')
  return ['boundkit', ...args].map(quote).join(' ')
}
