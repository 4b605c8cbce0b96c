import {McError} from '../core/errors.js'

/** A tool printed something mc cannot read; the result becomes UNKNOWN with this message. */
export class ToolOutputError extends McError {
  override readonly code = 'TOOL_OUTPUT'
}
