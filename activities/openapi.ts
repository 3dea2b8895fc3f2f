import crypto from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { ZodError } from 'zod';
import { CodedError, ErrorBody } from '../contracts/errors';
import { closeOnUnreadBody } from '../net/unread-body';

/**
 * The supplier's and the carrier's HTTP APIs are built like the gateway's: routes declared from the contract's zod
 * schemas, which both validate requests and make each service's own `/openapi.json`.
 */
export function createOwnerApi(options: OwnerApiOptions = {}) {
  const app = new OpenAPIHono({ defaultHook: ownerValidationHook });
  app.use('*', closeOnUnreadBody);
  if (options.serviceToken !== undefined) app.use('*', requireServiceToken(options.serviceToken));
  app.openAPIRegistry.registerComponent('securitySchemes', serviceTokenScheme, {
    type: 'http',
    scheme: 'bearer',
    description: 'The service token (SERVICE_TOKEN) the gateway sends: the deployment’s own services alone have it',
  });
  return app;
}

/** The security scheme of the owners' documents: every route but /health (and /metrics) wants the service token. */
export const serviceTokenScheme = 'serviceToken';
/** For /health: open to probes and Consul's checks. */
export const openRoute = [] as { [scheme: string]: string[] }[];

export interface OwnerApiOptions {
  /**
   * The service credential (SERVICE_TOKEN, or the local one: config/service-token.ts): every request but `/health`
   * and `/metrics` must carry it as `Authorization: Bearer <token>`, else 401. The worker processes always give it; without it (an
   * API built in a test or to print its document) nothing is checked.
   */
  serviceToken?: string;
}

const digest = (text: string) => crypto.createHash('sha256').update(text, 'utf8').digest();

/** Open to anyone who reaches the port: probes and Consul's checks, and Prometheus (counts and timings, no data). */
const openPaths = new Set(['/health', '/metrics']);

/**
 * 401 in the contract's error shape unless the request presents the service credential; `/health` stays open for
 * probes and Consul's checks, `/metrics` for Prometheus. Compared as SHA-256 digests with timingSafeEqual: equal lengths, constant time, so the
 * answer's timing tells nothing about the token.
 */
function requireServiceToken(token: string): MiddlewareHandler {
  if (!token) throw new Error('The service token is empty');
  const expected = digest(token);
  return async (c, next) => {
    if (openPaths.has(c.req.path)) return next();
    const presented = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (presented !== undefined && crypto.timingSafeEqual(digest(presented), expected)) return next();
    return c.json(
      { error: { code: 'UNAUTHORIZED', message: 'This API answers the services of the deployment only: send the service token as a bearer token' } },
      401,
      { 'WWW-Authenticate': 'Bearer' },
    );
  };
}

const targetNames: Record<string, string> = { json: 'body', param: 'path', query: 'query', header: 'header' };

/** A failed validation is a 400 VALIDATION_FAILED with one entry per field, as `answerErrors` renders it. */
function ownerValidationHook(result: { target: string; success: boolean; error?: ZodError }) {
  if (result.success || !result.error) return;
  const details = result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
  throw new CodedError('VALIDATION_FAILED', `Invalid ${targetNames[result.target] ?? result.target}`, details);
}

const errorDescriptions = {
  400: 'Invalid path, query or body (VALIDATION_FAILED, with one entry per field in details)',
  401: 'No service token, or not the deployment’s (UNAUTHORIZED)',
  404: 'No such resource (NOT_FOUND)',
  500: 'An unexpected failure, such as the database being away (INTERNAL)',
} as const;

/**
 * The error answers an owner's route may give, in the contract's error shape; any route may answer 401 (without the
 * service token) and 500.
 */
export function ownerErrorResponses<const S extends (400 | 404)[]>(...statuses: S) {
  type Answer = { description: string; content: { 'application/json': { schema: typeof ErrorBody } } };
  return Object.fromEntries(
    [...statuses, 401, 500].map((status) => [
      status,
      { description: errorDescriptions[status as keyof typeof errorDescriptions], content: { 'application/json': { schema: ErrorBody } } },
    ]),
  ) as Record<S[number] | 401 | 500, Answer>;
}

export const jsonContent = <T>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** The frame of an owner's document; 3.0.3 for the same reason as the gateway's (api/openapi.ts). */
export function ownerDocument(service: {
  title: string;
  description: string;
  tags: { name: string; description: string }[];
}) {
  return {
    openapi: '3.0.3',
    info: {
      title: service.title,
      version: '1.0.0',
      description: service.description,
      license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
    },
    servers: [{ url: '/', description: 'The service instance that serves this document' }],
    // Inside the deployment only: every route but /health wants the service token (Authorization: Bearer), which the
    // gateway sends after its own check of who may call it; no user's credential is taken here.
    security: [{ [serviceTokenScheme]: [] }],
    tags: service.tags,
  };
}
