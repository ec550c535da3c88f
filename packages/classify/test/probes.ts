/** Probe readings and an environment for the verdict tests. */
import { defaultThresholds } from '../src/options'
import { type Probe, type ProbeLevel, probeFromLevels } from '../src/probe'
import type { Environment } from '../src/report'

export const t = { ...defaultThresholds }
export const env: Environment = { node: 'v20', platform: 'linux', cpus: 4, threadPoolSize: 4, loadAverage: 0 }

/** A level of `concurrency` calls in 100 ms; a speedup over a first level of throughput 10. */
export function level(concurrency: number, throughput: number): ProbeLevel {
  return {
    concurrency,
    calls: concurrency,
    wallMs: 100,
    throughput,
    speedup: throughput / 10,
    elu: 0,
    cpuRatio: 0,
    offMainRatio: 0,
    offMainCpuMs: 0,
  }
}

/** A probe whose levels 1, 2, 4, ... read these throughputs. */
export function probe(throughputs: number[], stoppedBy: Probe['stoppedBy'] = 'plateau'): Probe {
  return probeFromLevels(
    throughputs.map((tp, i) => level(2 ** i, tp)),
    stoppedBy,
    t.kneeFraction,
  )
}
