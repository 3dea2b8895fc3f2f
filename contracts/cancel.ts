/**
 * A cancel's input, one contract for the gateway's REST body (CancelRequest in ./purchase) and Temporal's update and
 * signal (./temporal, which the workflow imports). No zod here: a workflow's modules are evaluated anew for every run.
 */

/** The longest reason a cancel may give. */
export const maxCancelReasonLength = 500;

/** A cancel's input, from the gateway's update or from anyone's signal (the CLI's too). */
export interface CancelSignalInput {
  reason?: string;
}

/**
 * What is wrong with a cancel's input, as `path: problem` lines (none when it is valid): an object, or nothing, whose
 * `reason`, if there is one, is a string of at most 500 characters. Other fields are ignored. Checked by hand, not by a
 * zod schema: the workflow checks it, and a workflow's modules, zod's among them, are evaluated anew for every run.
 */
export function cancelInputProblems(input: unknown): string[] {
  if (input === undefined || input === null) return [];
  if (typeof input !== 'object' || Array.isArray(input)) return ['input: must be an object such as {"reason": "…"}'];
  const { reason } = input as { reason?: unknown };
  if (reason === undefined) return [];
  if (typeof reason !== 'string') return [`reason: must be a string, not ${reason === null ? 'null' : typeof reason}`];
  if (reason.length > maxCancelReasonLength) return [`reason: must be at most ${maxCancelReasonLength} characters`];
  return [];
}

