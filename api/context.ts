import type { RequestIdVariables } from 'hono/request-id';
import type { User } from '../contracts/auth';

/** What the auth middleware leaves on the context for the handlers after it. */
export interface SessionInfo {
  id: string;
  expiresAt: Date;
}

export interface AppEnv {
  Variables: RequestIdVariables & {
    user?: User;
    /** Who sent the request (an IPv4 address or an IPv6 network, behind trusted proxies; api/client-address.ts). */
    client?: string;
    session?: SessionInfo;
    /** The purchase a request made or acted on, for its log line. */
    purchase?: { purchaseId: string; workflowId: string };
  };
}
