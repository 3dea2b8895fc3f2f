import type { Client } from '@temporalio/client';
import { decode, encode } from '@temporalio/common/lib/internal-non-workflow';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { z } from 'zod';
import { PayloadDecryptionError } from '../../codec/encryption-codec';
import { payloadFromJson, payloadToJson } from '../../codec/payload-json';
import { CodedError } from '../../contracts/errors';
import type { AppEnv } from '../context';
import { errorResponse } from '../errors';
import type { AuthMiddleware } from '../middleware/auth';

/** The cookie POST /auth/login sets for the Web UI's codec calls (HttpOnly, SameSite, Path /codec). */
export const codecSessionCookie = 'codec_session';

/** A history page's payloads, as the Web UI sends them, outgrow the API's 64 KiB body limit. */
const codecBodyBytes = 4 * 1024 * 1024;

const base64 = z.string().max(codecBodyBytes).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');
/** Temporal's remote codec protocol: `Payloads` as protobuf JSON, bytes fields in base64; no payloads is `{}`. */
const PayloadsBody = z.object({
  payloads: z
    .array(z.object({ metadata: z.record(z.string(), base64).optional(), data: base64.optional() }))
    .max(10_000)
    .default([]),
});

export const isCodecPath = (path: string) => path === '/codec' || path.startsWith('/codec/');

/** Only the Web UI's origin may call the codec with credentials (its session cookie); CODEC_CORS_ORIGIN names it. */
export function codecCors(origin: string | undefined): MiddlewareHandler {
  return cors({
    origin: origin ? [origin] : [],
    credentials: true,
    allowHeaders: ['Authorization', 'Content-Type', 'X-Namespace'],
    allowMethods: ['POST', 'OPTIONS'],
    maxAge: 600,
  });
}

/**
 * The codec server, mounted at /codec: Temporal's `POST /codec/encode` and `/codec/decode` (also under a namespace
 * segment, for the CLI's `{namespace}` templating), with the Temporal client's own codecs, so it reads exactly what
 * the processes write. ADMIN only: the decoded payloads hold customers' names and addresses.
 */
export function codecRoutes(deps: { temporal: Client; auth: AuthMiddleware }) {
  const router = new Hono<AppEnv>();
  const codecs = () => deps.temporal.options.loadedDataConverter.payloadCodecs;
  router.use('*', bodyLimit({
    maxSize: codecBodyBytes,
    onError: (c) => errorResponse(c, new CodedError('PAYLOAD_TOO_LARGE', `The body may be at most ${codecBodyBytes} bytes`)),
  }));
  router.use('*', deps.auth.requireAdminOrSessionCookie(codecSessionCookie));

  const handle = (direction: 'encode' | 'decode') => async (c: Context<AppEnv>) => {
    const body = PayloadsBody.safeParse(await c.req.json().catch(() => undefined));
    if (!body.success) {
      throw new CodedError('VALIDATION_FAILED', 'The body must be {"payloads": [{"metadata": {…}, "data": "<base64>"}]}', [
        { path: '', message: body.error.issues[0]?.message ?? 'invalid' },
      ]);
    }
    const payloads = body.data.payloads.map(payloadFromJson);
    try {
      const answered = direction === 'encode' ? await encode(codecs(), payloads) : await decode(codecs(), payloads);
      return c.json({ payloads: answered.map(payloadToJson) });
    } catch (error) {
      if (error instanceof PayloadDecryptionError) {
        throw new CodedError('VALIDATION_FAILED', error.message, error.keyId ? { keyId: error.keyId } : undefined);
      }
      throw error;
    }
  };
  // The CLI fills `{namespace}` in its endpoint, with nothing for some commands (`/codec//decode`): an empty segment.
  for (const prefix of ['', '/:namespace{[^/]*}']) {
    router.post(`${prefix}/encode`, handle('encode'));
    router.post(`${prefix}/decode`, handle('decode'));
  }
  return router;
}
