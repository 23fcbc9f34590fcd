/**
 * What the restart and load-balancer tests' loads share: `lanes` clients that each run one
 * attempt after another, counted as done (with the pid that served it) or failed (with why),
 * until `max` attempts were started or the load is told to stop. A load says what one attempt
 * is ({@link ExchangeLoad}: a TCP exchange; {@link HttpLoad}: an HTTP request).
 */

/** A failed attempt: why, and its number (1 for the first the load started). */
export interface LoadFailure {
  reason: string
  seq: number
}

export abstract class BoundedLoad<F extends LoadFailure> {
  /** Attempts that completed, by the pid that served them. */
  readonly servedBy = new Map<number, number>()
  readonly failures: F[] = []
  /** Attempts that completed. */
  done = 0
  private stopping = false
  private running = 0
  private count = 0
  private readonly finished: Promise<void>
  private finish!: () => void

  constructor(private readonly max: number) {
    this.finished = new Promise((resolve) => (this.finish = resolve))
  }

  /** One attempt on `lane`: the pid that served it (0 when none is named), or why it failed. Never rejects. */
  protected abstract attempt(lane: number): Promise<number | Omit<F, 'seq'>>

  /** Starts the lanes; called by the subclass once it is ready. */
  protected begin(lanes: number): void {
    for (let lane = 0; lane < lanes; lane++) this.next(lane)
  }

  /** Attempts started so far. */
  get started(): number {
    return this.count
  }

  /** Attempts that failed. */
  get failed(): number {
    return this.failures.length
  }

  /** True once the load has stopped by itself (`max` started and finished). */
  get over(): boolean {
    return this.count >= this.max && this.running === 0
  }

  /** Completed attempts served by `pid`. */
  served(pid: number): number {
    return this.servedBy.get(pid) ?? 0
  }

  /** Starts no new attempt; resolves once those in flight are over. */
  stop(): Promise<void> {
    this.stopping = true
    if (this.running === 0) this.finish()
    return this.finished
  }

  private next(lane: number): void {
    if (this.stopping || this.count >= this.max) {
      if (this.running === 0) this.finish()
      return
    }
    const seq = ++this.count
    this.running++
    this.attempt(lane).then((result) => {
      this.running--
      if (typeof result === 'number') {
        this.done++
        this.servedBy.set(result, this.served(result) + 1)
      } else this.failures.push({ ...result, seq } as F)
      this.next(lane)
    })
  }
}
