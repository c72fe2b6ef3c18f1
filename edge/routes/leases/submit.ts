/**
 * Group submission, for one lease or many at once: check each lease (read from the database, or remembered from
 * when this process handed it out: issued.ts), verify every completion with the task's
 * verifier, store all accepted groups in ONE statement (storeGroups), answer rewards and group-normalised
 * advantages per group. Each group is decided on its own:
 *   stored 201 · the same submission again → the same group, nothing stored (200) · another submission for a
 *   used lease 409 · expired 410 · unknown 404 · another worker's lease 403 · wrong shape 400.
 * Token ids / log-probs arrive as JSON arrays or as base64 of the packed bytes (the compact encoding); either is
 * turned into the packed bytes once (packGroup), checked on typed views, hashed and stored as they are.
 * Idempotency key (submissionHash): sha256 over the model version, texts, finish reasons and the packed token
 * ids / log-probs — the bytes that are stored — so both encodings of the same values are the same submission.
 * Verifier verdict → group status: ok → ready, pending → pending (human ratings), error → verify_failed.
 */
import type { z } from '@hono/zod-openapi'
import { groupAdvantages } from '../../../common/advantages.js'
import {
  getGroupResult,
  getLeases,
  isKeyLive,
  float32s,
  fromBase64,
  int32s,
  packFloat32,
  packInt32,
  sha256HexOf,
  storeGroups,
  type Db,
  type GroupStatus,
  type LeaseForSubmit,
  type StoreGroupItem,
} from '../../../schema/index.js'
import { deadKey } from '../../middleware/auth.js'
import { ProblemError } from '../../problem.js'
import { scoreGroup } from '../verify/score.js'
import { coalescer, perOwner } from './coalesce.js'
import { forgetLeases, rememberedLeases } from './issued.js'
import type { SecretSources } from '../verify/secrets.js'
import type { GroupResultSchema, SubmitGroupBody } from './schemas.js'

type Body = z.infer<typeof SubmitGroupBody>
type Result = z.infer<typeof GroupResultSchema>

export interface SubmitItem {
  leaseId: number
  body: Body
}

/** A group's outcome: stored (201), replayed (200) or refused (a problem with its status). */
export type SubmitOutcome = { leaseId: number; created: boolean; result: Result } | { leaseId: number; problem: ProblemError }

/** Rewards and advantages as answered to the worker (advantages only once every reward is in). */
function result(groupId: number, status: GroupStatus, rewards: (number | null)[], lease: LeaseForSubmit): Result {
  const scored = rewards.every((r): r is number => r !== null)
  const scale = lease.task.scaleRewards === 'none' ? 'none' : 'group' // 'batch' has no batch at the edge
  return { groupId, status, rewards, advantages: scored ? groupAdvantages(rewards, scale) : null }
}

async function replay(db: Db, groupId: number, lease: LeaseForSubmit): Promise<Result> {
  const g = await getGroupResult(db, groupId)
  if (!g) throw new Error(`lease ${lease.id} points at missing group ${groupId}`)
  return result(g.id, g.status, g.rewards, lease)
}

/** A completion with its per-token arrays packed (what is hashed and stored). */
interface PackedCompletion {
  text: string
  finishReason?: 'stop' | 'length'
  tokenIds: Uint8Array | null
  logprobs: Uint8Array | null
  /** tokens (null: no token ids sent) */
  tokens: number | null
}

/**
 * One field's packed bytes: base64 decoded (refused unless canonical) or a JSON array packed; `check` finds the
 * first bad value on the typed view (-1: none) — for arrays too, since float64 input may round to -Infinity.
 */
function packField(
  x: string | number[] | undefined,
  pack: (xs: number[]) => Uint8Array,
  where: string,
  check: (b: Uint8Array) => number,
  rule: string,
): Uint8Array | null {
  if (x === undefined) return null
  const b = typeof x === 'string' ? fromBase64(x) : pack(x)
  if (!b) throw new ProblemError(400, `${where}: not standard base64 (with padding)`)
  if (b.byteLength % 4 !== 0) throw new ProblemError(400, `${where}: ${b.byteLength} bytes is not a whole number of 4-byte values`)
  const bad = check(b)
  if (bad >= 0) throw new ProblemError(400, `${where}: value ${bad} must be ${rule} (as ${typeof x === 'string' ? 'sent' : 'stored'})`)
  return b
}

function firstNegative(b: Uint8Array) {
  const v = int32s(b)
  for (let i = 0; i < v.length; i++) if (v[i] < 0) return i
  return -1
}

/** First log-prob that is not finite and ≤ 0 (also catches float64 input that rounds to -Infinity in float32). */
function firstBadLogprob(b: Uint8Array) {
  const v = float32s(b)
  for (let i = 0; i < v.length; i++) if (!(v[i] <= 0 && v[i] !== -Infinity)) return i
  return -1
}

function checkGroupSize(body: Body, lease: LeaseForSubmit) {
  const { task } = lease
  if (body.completions.length !== task.groupSize)
    throw new ProblemError(400, `task "${task.name}" takes groups of ${task.groupSize} completions; got ${body.completions.length}`)
}

/** Pack a group's completions, refusing (400) bad base64, bad values, mismatched lengths or too many tokens. */
export function packGroup(body: Body, maxTokens: number, taskName: string): PackedCompletion[] {
  return body.completions.map((c, i) => {
    const tokenIds = packField(c.tokenIds, packInt32, `completions.${i}.tokenIds`, firstNegative, 'an int32 ≥ 0')
    const logprobs = packField(c.logprobs, packFloat32, `completions.${i}.logprobs`, firstBadLogprob, 'a finite float32 ≤ 0')
    const tokens = tokenIds ? tokenIds.byteLength / 4 : null
    if (logprobs && logprobs.byteLength / 4 !== tokens)
      throw new ProblemError(400, `completions.${i}.logprobs has ${logprobs.byteLength / 4} entries but tokenIds has ${tokens ?? 0}`)
    if (tokens !== null && tokens > maxTokens)
      throw new ProblemError(400, `completions.${i}.tokenIds has ${tokens} tokens; task "${taskName}" allows ${maxTokens}`)
    return { text: c.text, finishReason: c.finishReason, tokenIds, logprobs, tokens }
  })
}

/**
 * Let go of a group's token ids / log-probs as sent (base64 strings or JSON arrays, ~22 KB a group) once packed:
 * nothing reads them again, and the request's validated body holds them until the response, through the store
 * statement's commit — long enough that V8 promoted them out of its young generation, to be collected only by a
 * full GC (the old generation's growth, ~2.5 MB per scavenge, set how often one ran).
 */
function dropEncoded(body: Body) {
  for (const c of body.completions) {
    if (c.tokenIds !== undefined) c.tokenIds = []
    if (c.logprobs !== undefined) c.logprobs = []
  }
}

/** A character JSON.stringify escapes (quote, backslash, controls; any surrogate, to be safe: lone ones are escaped). */
const JSON_ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/

/**
 * sha256 of what a submission stores: a small JSON head (version, texts, finish reasons, lengths) + packed arrays.
 * The head is JSON.stringify([modelVersion, [[text, finishReason ?? null, tokens, logprobs ? tokens : null], ...]])
 * fed to the hash in pieces: a text JSON writes as it is (no escapes) goes in between its quotes as the string it
 * already is, not copied into one head string (the texts were ~1/3 of the head's bytes copied per group: issue 15).
 */
export function submissionHash(modelVersion: number, completions: PackedCompletion[]): string {
  // strings: the hash reads them as UTF-8, the same bytes TextEncoder would make, without making them
  const parts: (string | Uint8Array)[] = [`[${JSON.stringify(modelVersion)},[`]
  completions.forEach((c, i) => {
    if (i) parts.push(',')
    if (JSON_ESCAPED.test(c.text)) parts.push(`[${JSON.stringify(c.text)},`)
    else parts.push('["', c.text, '",')
    parts.push(`${JSON.stringify(c.finishReason ?? null)},${JSON.stringify(c.tokens)},${JSON.stringify(c.logprobs ? c.tokens : null)}]`)
  })
  parts.push(']]')
  for (const c of completions) {
    if (c.tokenIds) parts.push(c.tokenIds)
    if (c.logprobs) parts.push(c.logprobs)
  }
  return `v2:${sha256HexOf(parts)}`
}

const refusal = {
  not_found: (id: number) => new ProblemError(404, `no lease ${id}`),
  forbidden: (id: number) => new ProblemError(403, `lease ${id} belongs to another worker`),
  conflict: (id: number) => new ProblemError(409, `lease ${id} already has a different group`),
  expired: (id: number) => new ProblemError(410, `lease ${id} expired; take a new lease`),
}

/** Submit the groups of several leases of one worker; outcomes in input order (lease ids must be distinct). */
export async function submitMany(db: Db, workerKeyId: number, items: SubmitItem[], secrets: SecretSources): Promise<SubmitOutcome[]> {
  // leases this process handed out need no read before verifying: storeGroups re-checks the key and the lease (issued.ts)
  const remembered = rememberedLeases(db, workerKeyId, items.map((i) => ({ leaseId: i.leaseId, completions: i.body.completions.length })))
  const { leases, keyLive } = remembered ? { leases: remembered, keyLive: true } : await getLeases(db, items.map((i) => i.leaseId), workerKeyId)
  if (keyLive === false || (keyLive === null && !(await isKeyLive(db, workerKeyId)))) throw deadKey()
  const outcomes: SubmitOutcome[] = new Array(items.length)
  const toStore: { at: number; lease: LeaseForSubmit; store: StoreGroupItem; rewards: (number | null)[] }[] = []
  await Promise.all(
    items.map(async ({ leaseId, body }, at) => {
      try {
        const lease = leases.get(leaseId)
        if (!lease) throw refusal.not_found(leaseId)
        if (lease.workerKeyId !== workerKeyId) throw refusal.forbidden(leaseId)
        const packed = packGroup(body, lease.task.maxNewTokens, lease.task.name)
        dropEncoded(body)
        const bodyHash = submissionHash(body.modelVersion, packed)
        if (lease.submittedHash !== null) {
          if (lease.submittedHash !== bodyHash || lease.groupId === null) throw refusal.conflict(leaseId)
          outcomes[at] = { leaseId, created: false, result: await replay(db, lease.groupId, lease) }
          return
        }
        if (lease.expired) throw refusal.expired(leaseId)
        checkGroupSize(body, lease)
        const score = await scoreGroup(
          {
            task: lease.task,
            prompt: lease.prompt,
            completions: packed.map((c) => ({ text: c.text, tokenCount: c.tokens, ratings: [] })),
          },
          secrets,
        )
        toStore.push({
          at,
          lease,
          rewards: score.rewards,
          store: {
            leaseId,
            bodyHash,
            policyVersion: body.modelVersion,
            status: score.status,
            rewardMean: score.rewardMean,
            rewardStd: score.rewardStd,
            completions: packed.map((c, i) => ({
              text: c.text,
              tokenIds: c.tokenIds,
              logprobs: c.logprobs,
              finishReason: c.finishReason,
              reward: score.rewards[i],
              details: score.details[i],
            })),
          },
        })
      } catch (err) {
        if (!(err instanceof ProblemError)) throw err
        outcomes[at] = { leaseId, problem: err }
      }
    }),
  )
  // nothing to store: a revoked key still gets its 401 before the groups' own refusals, as on the database path
  if (remembered && toStore.length === 0 && !(await isKeyLive(db, workerKeyId))) throw deadKey()
  const stored = await storeGroups(db, workerKeyId, toStore.map((s) => s.store))
  forgetLeases(db, toStore.map((s) => s.store.leaseId))
  if (stored.some((o) => o.kind === 'dead_key')) throw deadKey() // revoked meanwhile: nothing stored
  await Promise.all(
    stored.map(async (out, k) => {
      const { at, lease, store, rewards } = toStore[k]
      const leaseId = store.leaseId
      if (out.kind === 'created') outcomes[at] = { leaseId, created: true, result: result(out.groupId, store.status, rewards, lease) }
      else if (out.kind === 'replayed') outcomes[at] = { leaseId, created: false, result: await replay(db, out.groupId, lease) }
      else if (out.kind !== 'dead_key') outcomes[at] = { leaseId, problem: refusal[out.kind](leaseId) }
    }),
  )
  return outcomes
}

/** One lease's group as the coalescer carries it. */
interface OneSubmission extends SubmitItem {
  workerKeyId: number
  secrets: SecretSources
}

/**
 * Single submissions of one worker key that arrive while earlier ones are at the database go together as one
 * submitMany (coalesce.ts): one getLeases and one storeGroups for all of them, each with its own outcome. The
 * secrets are the first request's (on Node every request's are process.env; Workers never combine requests).
 */
const singleSubmits = perOwner((db: Db) =>
  coalescer<OneSubmission, SubmitOutcome>({
    run: (items) => submitMany(db, items[0].workerKeyId, items, items[0].secrets),
    distinct: (item) => item.leaseId,
  }),
)

/** Submit one lease's group (combined with concurrent ones of the same key); a refusal is thrown as its problem. */
export async function submit(db: Db, leaseId: number, workerKeyId: number, body: Body, secrets: SecretSources) {
  const out = await singleSubmits(db).run(String(workerKeyId), { leaseId, body, workerKeyId, secrets })
  if ('problem' in out) throw out.problem
  return out
}

/** The coalescer of single submissions on `db` (tests: how many calls carried how many groups). */
export const singleSubmitStats = (db: Db) => singleSubmits(db).stats
