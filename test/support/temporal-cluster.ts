import { startTemporalCluster as startOnPostgres } from '../../scripts/temporal-server';
import { serverUrls } from './engines';

export { makeCertificates, temporalServerVersion, type Certificates, type TemporalCluster } from '../../scripts/temporal-server';

/** Temporal Server on the suites' PostgreSQL (TEST_POSTGRES_URL): scripts/temporal-server.ts. */
export const startTemporalCluster = (options: Omit<Parameters<typeof startOnPostgres>[0], 'postgresUrl'>) =>
  startOnPostgres({ ...options, postgresUrl: serverUrls.postgresql });
