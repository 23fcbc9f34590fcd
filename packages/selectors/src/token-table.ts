const TOKEN_MAX = 0xffffffff

/**
 * TokenTable: the token each registration carries through the kernel (DESIGN.md decision 3).
 *
 * Kernel reports name a token, never an fd: a report that arrives after its fd was
 * unregistered, closed and its number reused finds no token (or another fd's) and is dropped,
 * instead of being pinned on whatever file now has that number. Tokens are 1 .. 2^32-1 and
 * are not reused while live.
 */
export class TokenTable {
  #next = 1
  readonly #fdByToken = new Map<number, number>()
  readonly #tokenByFd = new Map<number, number>()

  /** A fresh token for `fd` (replacing any it had). */
  issue(fd: number): number {
    this.release(fd)
    let token = this.#next
    while (this.#fdByToken.has(token)) token = token === TOKEN_MAX ? 1 : token + 1
    this.#next = token === TOKEN_MAX ? 1 : token + 1
    this.#fdByToken.set(token, fd)
    this.#tokenByFd.set(fd, token)
    return token
  }

  /** Forgets the token of `fd`; returns it, or undefined when it had none. */
  release(fd: number): number | undefined {
    const token = this.#tokenByFd.get(fd)
    if (token === undefined) return undefined
    this.#tokenByFd.delete(fd)
    this.#fdByToken.delete(token)
    return token
  }

  /** The fd a live token belongs to. */
  fdOf(token: number): number | undefined {
    return this.#fdByToken.get(token)
  }

  /** The live token of `fd`. */
  tokenOf(fd: number): number | undefined {
    return this.#tokenByFd.get(fd)
  }

  /** Forgets everything. */
  clear(): void {
    this.#fdByToken.clear()
    this.#tokenByFd.clear()
  }
}
