import { OpenAPIHono } from '@hono/zod-openapi';
import type { ZodError } from 'zod';
import { CodedError, ErrorBody } from '../contracts/errors';
import { closeOnUnreadBody } from '../net/unread-body';

/**
 * The supplier's and the carrier's HTTP APIs are built like the gateway's: routes declared from the contract's zod
 * schemas, which both validate requests and make each service's own `/openapi.json`.
 */
export function createOwnerApi() {
  const app = new OpenAPIHono({ defaultHook: ownerValidationHook });
  app.use('*', closeOnUnreadBody);
  return app;
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
  404: 'No such resource (NOT_FOUND)',
  500: 'An unexpected failure, such as the database being away (INTERNAL)',
} as const;

/** The error answers an owner's route may give, in the contract's error shape; any route may answer 500. */
export function ownerErrorResponses<const S extends (400 | 404)[]>(...statuses: S) {
  type Answer = { description: string; content: { 'application/json': { schema: typeof ErrorBody } } };
  return Object.fromEntries(
    [...statuses, 500].map((status) => [
      status,
      { description: errorDescriptions[status as keyof typeof errorDescriptions], content: { 'application/json': { schema: ErrorBody } } },
    ]),
  ) as Record<S[number] | 500, Answer>;
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
    // No credentials: these APIs answer inside the deployment only; the gateway checks who may call them.
    security: [],
    tags: service.tags,
  };
}
