// Installed from its tarball: the CommonJS build measures a task and reports coded errors.
const { measure, classify } = require('@boundkit/classify')

async function main() {
  const m = await measure(() => JSON.parse('{"a":1}'))
  if (m.calls !== 1 || !(m.wallMs >= 0)) throw new Error('bad measurement')
  try {
    await classify('nope')
    throw new Error('expected ERR_INVALID_OPTION')
  } catch (error) {
    if (error.code !== 'ERR_INVALID_OPTION') throw error
  }
}
main().then(
  () => console.log('cjs smoke ok'),
  (error) => {
    console.error(error)
    process.exit(1)
  },
)
