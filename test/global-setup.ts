import { ensureTemporalCli } from '../scripts/temporal-cli';
import { missingEngineFailure, probeEngines } from './support/engines';

/**
 * Find out once which database engines answer: the integration and e2e suites run on each of them, and the summary
 * says which. In CI an engine that does not answer (and that TEST_ENGINES does not leave out) fails the run here,
 * before any test. Every suite that needs Temporal runs the real CLI's dev server; install it once, before any test.
 */
export default async function globalSetup() {
  const probe = await probeEngines();
  const failure = missingEngineFailure(probe);
  if (failure) throw new Error(failure);
  process.env.TEST_ENGINES_AVAILABLE = probe.available.join(',');
  process.env.TEST_ENGINES_UNAVAILABLE = JSON.stringify(probe.unavailable);
  for (const [engine, reason] of Object.entries(probe.unavailable)) {
    process.stderr.write(`\n!! ${engine} suites will NOT run: ${reason}\n`);
  }
  process.env.TEMPORAL_CLI = await ensureTemporalCli();
}
