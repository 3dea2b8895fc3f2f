import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { PactV4, Verifier, type VerifierOptions } from '@pact-foundation/pact';
import pino from 'pino';
import { createServicesClient } from '../../api/services-client';
import { migrateDatabase } from '../../prisma/migrations';
import type { DatabaseName } from '../../prisma/databases';
import { availableEngines, createEmptyDatabase, type Engine } from '../support/engines';

/**
 * Consumer-driven contracts between the gateway (consumer) and the owners' HTTP APIs (providers), with Pact. The
 * consumer half runs the gateway's real services client against Pact's mock server and records each expectation in
 * `pacts/gateway-<provider>.json`; the provider half replays that file against the owner's real app on a real
 * database, setting up each provider state through the owner's own code.
 */
export type StateHandlers = NonNullable<VerifierOptions['stateHandlers']>;

export const pactDir = path.join(__dirname, '..', '..', 'pacts');
export const consumer = 'gateway';
export const silentLogger = pino({ level: 'silent' });
/** The service credential the providers are started with and the verification sends, as the gateway sends its own. */
export const serviceToken = 'pact-verification-service-token';

/** A fresh pact for one provider: the file is rewritten from this run's expectations alone. */
export function gatewayPact(provider: 'supplier' | 'carrier') {
  fs.rmSync(path.join(pactDir, `${consumer}-${provider}.json`), { force: true });
  return new PactV4({ consumer, provider, dir: pactDir, logLevel: 'error' });
}

/** The gateway's own client for the owners' APIs, pointed at Pact's mock server. */
export function servicesClientAt(url: string) {
  return createServicesClient({ baseUrl: async () => url }, { serviceToken });
}

/**
 * Declares the provider's verification once per engine it is verified on, titled `… [engine: <name>]` like the other
 * per-engine suites; an engine whose server does not answer is declared skipped, loudly.
 */
export function describeProviderEngines(title: string, engines: Engine[], suite: (engine: Engine) => void) {
  for (const engine of engines) {
    const name = `${title} [engine: ${engine}]`;
    if (availableEngines().includes(engine)) describe(name, () => suite(engine));
    else describe(name, () => it.skip(`is not run: ${engine} is not available`, () => undefined));
  }
}

/** A migrated, empty database of the owner's on the engine; `drop()` removes it. */
export async function ownerDatabase(engine: Engine, name: DatabaseName) {
  const database = await createEmptyDatabase(engine, name);
  try {
    await migrateDatabase(name, database.url);
  } catch (error) {
    await database.drop();
    throw error;
  }
  return database;
}

/** Serves an owner's app on a free port, as its worker process does. */
export async function serveProvider(app: { fetch: (request: Request) => Response | Promise<Response> }) {
  const server = await new Promise<ServerType>((resolve) => {
    const started: ServerType = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
}

/**
 * Replays the gateway's pact with `provider` against the app at `url`, each request carrying `token` as the gateway's
 * do (none when null); rejects with Pact's report on a mismatch.
 */
export async function verifyPact(
  provider: 'supplier' | 'carrier',
  url: string,
  stateHandlers: StateHandlers,
  token: string | null = serviceToken,
) {
  return new Verifier({
    provider,
    providerBaseUrl: url,
    ...(token ? { customProviderHeaders: { Authorization: `Bearer ${token}` } } : {}),
    pactUrls: [path.join(pactDir, `${consumer}-${provider}.json`)],
    stateHandlers,
    logLevel: 'error',
    // Generous: the machine may be busy with other suites, and a slow answer is not a broken contract.
    timeout: 60_000,
  }).verifyProvider();
}
