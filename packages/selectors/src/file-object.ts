import { invalidArgType, outOfRange } from '@io/core'

/** An object that reports its fd through `fileno()`. */
export interface HasFileno {
  fileno(): number
}

/** An object that carries its fd in an `fd` property. */
export interface HasFd {
  readonly fd: number
}

/**
 * Anything a selector can register: an integer fd, or an object that knows its fd through a
 * `fileno()` method (as in Python) or a numeric `fd` property (as Node's fs.FileHandle has).
 */
export type FileObject = number | HasFileno | HasFd

const FD_MAX = 0x7fffffff

function checkFd(fd: unknown, what: string): number {
  if (typeof fd !== 'number') throw invalidArgType(what, 'a number', fd)
  if (!Number.isInteger(fd) || fd < 0 || fd > FD_MAX) throw outOfRange(what, `an integer >= 0 and <= ${FD_MAX}`, fd)
  return fd
}

/**
 * The fd of `fileobj`. TypeError when it is neither a number nor an object with `fileno()` or
 * a numeric `fd`; RangeError when the fd is negative (a closed object often says -1) or not an
 * integer.
 */
export function fileobjToFd(fileobj: FileObject): number {
  if (typeof fileobj === 'number') return checkFd(fileobj, 'fileobj')
  if (fileobj !== null && typeof fileobj === 'object') {
    const o = fileobj as Partial<HasFileno> & Partial<HasFd>
    if (typeof o.fileno === 'function') return checkFd(o.fileno(), 'fileobj.fileno()')
    if (typeof o.fd === 'number') return checkFd(o.fd, 'fileobj.fd')
  }
  throw invalidArgType('fileobj', 'an fd (integer) or an object with a fileno() method or a numeric fd property', fileobj)
}
