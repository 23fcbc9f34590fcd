/**
 * Request heads parsed natively, a read's worth at a time (@io/core's `parseHttpHeads`): one
 * JS/native crossing finds and validates every head of a pipelined batch, and each is then
 * taken, in order, as `parseHead` would have returned it. The native parser gives the same
 * verdicts and offsets as the TypeScript one (a seeded mutation test holds them together); it
 * is used where a head arrives whole, and the TypeScript parser where one trickles in.
 */
import { HTTP_HEAD, httpHeadContentLength, httpHeadsCapacity, parseHttpHeads } from '@io/core'
import { INCOMPLETE, type RequestHead } from './head-parser.js'
import type { HttpLimits } from './limits.js'

/** Requests' records room is made for; more pipelined heads take another call. */
const RECORDS = 16
const { STATUS, METHOD_START, METHOD_END, TARGET_START, TARGET_END, MINOR, FLAGS, FIELDS_START, UPGRADE_START, UPGRADE_END, FIELD_COUNT, RECORD_HEADER, FIELD_ELEMENTS, BATCH_HEADER } = HTTP_HEAD

export class HeadBatch {
  private readonly out: Int32Array
  /** The bytes the pending records were parsed from (and up to where), or null. */
  private bytes: Uint8Array | null = null
  private end = 0
  /** Records not taken yet: `left` of them, the next at `r`. */
  private left = 0
  private r = 0
  /** Where the record `next` took last starts. */
  private taken = 0

  constructor(private readonly limits: HttpLimits) {
    this.out = new Int32Array(httpHeadsCapacity(limits.maxHeaderCount, RECORDS))
  }

  /**
   * The head starting at `buf[i]` (the bytes up to `end` all arrived), into `head`: its end,
   * INCOMPLETE, or the status to refuse it with, negated, as `parseHead` returns. Takes the next
   * record of the last call when it starts at `i` in the same bytes; otherwise parses from `i`.
   * A call from another session in between (a handler's side effect) leaves other bytes here,
   * so nothing stale is ever taken. The head's field offsets and Upgrade range, which serving a
   * request does not need, are left out: `fieldsOf` copies them.
   */
  next(buf: Uint8Array, i: number, end: number, head: RequestHead): number {
    const out = this.out
    if ((this.left === 0 || this.bytes !== buf || this.end !== end || out[this.r + METHOD_START] !== i) && !this.parse(buf, i, end)) {
      return INCOMPLETE
    }
    const r = this.r
    const status = out[r + STATUS]
    this.taken = r
    this.left--
    this.r = r + RECORD_HEADER + FIELD_ELEMENTS * out[r + FIELD_COUNT]
    if (this.left === 0) this.bytes = null // nothing kept alive past the read
    if (status < 0) return status // a refusal is always its batch's last record
    head.methodStart = out[r + METHOD_START]
    head.methodEnd = out[r + METHOD_END]
    head.targetStart = out[r + TARGET_START]
    head.targetEnd = out[r + TARGET_END]
    head.minor = out[r + MINOR]
    head.flags = out[r + FLAGS]
    head.contentLength = httpHeadContentLength(out, r)
    head.fieldsStart = out[r + FIELDS_START]
    head.headEnd = status
    return status
  }

  /** Parses the heads from `buf[i]` on; false when not even the first is complete. */
  private parse(buf: Uint8Array, i: number, end: number): boolean {
    this.left = parseHttpHeads(buf, i, end, this.out, this.limits)
    this.bytes = buf
    this.end = end
    this.r = BATCH_HEADER
    if (this.left > 0) return true
    this.bytes = null
    return false
  }

  /** The field offsets and Upgrade range of the head `next` took last, into `head`. */
  fieldsOf(head: RequestHead): void {
    const out = this.out
    const r = this.taken
    head.upgradeStart = out[r + UPGRADE_START]
    head.upgradeEnd = out[r + UPGRADE_END]
    const count = out[r + FIELD_COUNT]
    head.fieldCount = count
    const fields = head.fields
    for (let k = 0, from = r + RECORD_HEADER, n = FIELD_ELEMENTS * count; k < n; k++) fields[k] = out[from + k]
  }

  /** The read is over: no record of it is taken any more, and its bytes are not kept. */
  clear(): void {
    this.left = 0
    this.bytes = null
  }
}
