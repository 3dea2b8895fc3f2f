import {
  isGrpcServiceError,
  ServiceError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { unavailable } from './errors';

// gRPC status codes that mean "the server is not answering", not "the server said no".
const UNAVAILABLE = 14;
const DEADLINE_EXCEEDED = 4;
const CANCELLED = 1;

/** True when an error from the Temporal client means the server could not be reached in time. */
export function isTemporalUnavailable(error: unknown): boolean {
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
  const grpcError = error instanceof ServiceError ? error.cause : error;
  if (isGrpcServiceError(grpcError)) {
    return [UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED].includes(grpcError.code);
  }
  // The connection itself failed before any call (e.g. "Failed to connect before the deadline").
  return error instanceof ServiceError && grpcError === undefined;
}

/** Rethrows a Temporal outage as the contract's 503; anything else unchanged. */
export function rethrowTemporalUnavailable(error: unknown): never {
  if (isTemporalUnavailable(error)) {
    throw unavailable('The workflow service is unavailable; try again shortly', error);
  }
  throw error;
}
