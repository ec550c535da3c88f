import type { Scenario } from './scenario'
import { classifyScenario } from './scenario-classify'
import { cpuScenario } from './scenario-cpu'
import { ioScenario } from './scenario-io'
import { mixedScenario } from './scenario-mixed'
import { sharedScenario } from './scenario-shared-memory'

/** Every scenario, in the order the demo runs them (`--scenario` picks one by name). */
export const scenarios: readonly Scenario[] = [
  classifyScenario,
  ioScenario,
  cpuScenario,
  sharedScenario,
  mixedScenario,
]
