import type {CheckState} from '../checks/types.js'
import type {VerdictKind} from './types.js'

/** How a verdict reads as a check state: the target's own trouble is critical, one vantage point's side a warning. */
export const VERDICT_STATE: Record<VerdictKind, CheckState> = {
  healthy: 'OK',
  'vantage-side': 'WARNING',
  'target-side': 'CRITICAL',
  'target-down': 'CRITICAL',
  'shared-path': 'CRITICAL',
  'multiple-faults': 'CRITICAL',
  inconclusive: 'UNKNOWN',
}
