// The SystemError builder is @io/core's, for every package alike; the engines import it from here.
export { systemError } from '@io/core'
