/** Stop requests in the data layer: the CLI owns the signals and hands down an AbortSignal. */
export { interruptedError } from '../util/abort';
