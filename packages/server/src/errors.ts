import { codeError } from '@io/core'

// Argument errors are @io/core's, for every package alike; the engines import them from here.
export { invalidArgType, outOfRange } from '@io/core'

/** An Error with a string code, e.g. `ERR_SERVER_NOT_RUNNING`: @io/core's `codeError`. */
export const serverError = codeError
