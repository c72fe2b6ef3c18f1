/**
 * Retry of groups whose hosted verifier failed (status verify_failed): one bounded batch, oldest attempt first,
 * one group at a time. Each group is re-scored with its task's verifier (ratings included) outside any lock, then
 * stored only if it is still verify_failed (compare-and-set: a concurrent retry is harmless). A group that fails
 * again stays verify_failed with the new reason in its completions' details and `flags.reverify`
 * ({ attempts, lastAt, lastReason }) — never a silent 0. Called by POST /v1/admin/reverify and by the Workers
 * `scheduled` handler.
 */
import { failedGroupIds, loadGroupForScoring, storeGroupScore, type Db, type GroupStatus } from '../../../schema/index.js'
import { firstError, scoreGroup } from './score.js'
import type { SecretSources } from './secrets.js'

export const REVERIFY_DEFAULT_BATCH = 10
export const REVERIFY_MAX_BATCH = 50

export interface ReverifyReport {
  attempted: number
  /** Count per resulting status (skipped: another retry or a state change got there first). */
  ready: number
  pending: number
  failed: number
  skipped: number
  groups: { groupId: number; status: GroupStatus | 'skipped'; reason?: string }[]
}

export async function reverifyFailedGroups(
  db: Db,
  opts: { limit?: number; sources: SecretSources; now?: () => Date },
): Promise<ReverifyReport> {
  const limit = Math.min(opts.limit ?? REVERIFY_DEFAULT_BATCH, REVERIFY_MAX_BATCH)
  const report: ReverifyReport = { attempted: 0, ready: 0, pending: 0, failed: 0, skipped: 0, groups: [] }
  for (const id of await failedGroupIds(db, limit)) {
    const group = await loadGroupForScoring(db, id)
    if (!group || group.status !== 'verify_failed') {
      report.skipped++
      report.groups.push({ groupId: id, status: 'skipped' })
      continue
    }
    report.attempted++
    const score = await scoreGroup(group, opts.sources)
    const reason = firstError(score)
    const prev = (group.flags.reverify ?? {}) as { attempts?: number }
    score.flags = {
      reverify: {
        attempts: (prev.attempts ?? 0) + 1,
        lastAt: (opts.now?.() ?? new Date()).toISOString(),
        ...(reason ? { lastReason: reason } : {}),
      },
    }
    const stored = await db.transaction((tx) => storeGroupScore(tx, id, 'verify_failed', score))
    if (!stored) {
      report.skipped++
      report.groups.push({ groupId: id, status: 'skipped' })
      continue
    }
    if (score.status === 'ready') report.ready++
    else if (score.status === 'pending') report.pending++
    else report.failed++
    report.groups.push({ groupId: id, status: score.status, ...(reason ? { reason } : {}) })
  }
  return report
}
