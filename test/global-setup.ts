import { ensureTemporalCli } from '../scripts/temporal-cli';
import { probeEngines } from './support/engines';

/**
 * Every suite that needs Temporal runs the real CLI's dev server; install it once, before any test. And find out
 * once which database engines answer: the integration and e2e suites run on each of them, and the summary says which.
 */
export default async function globalSetup() {
  process.env.TEMPORAL_CLI = await ensureTemporalCli();
  const { available, unavailable } = await probeEngines();
  process.env.TEST_ENGINES_AVAILABLE = available.join(',');
  process.env.TEST_ENGINES_UNAVAILABLE = JSON.stringify(unavailable);
  for (const [engine, reason] of Object.entries(unavailable)) {
    process.stderr.write(`\n!! ${engine} suites will NOT run: ${reason}\n`);
  }
}
