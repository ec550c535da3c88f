/**
 * pnpm hooks. `beforePacking` shapes the package.json that `pnpm pack` and `pnpm publish` put in a
 * tarball (the file on disk stays as it is): a user installs what the package needs to run, not the
 * workspace's development set-up (its devDependencies, such as the unpublished @boundkit/internal,
 * and its scripts, which point outside the package). The consumer check fails on a tarball that
 * keeps them.
 */
module.exports = {
  hooks: {
    beforePacking(manifest) {
      delete manifest.devDependencies
      delete manifest.scripts
      return manifest
    },
  },
}
