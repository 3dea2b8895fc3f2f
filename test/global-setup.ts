import { ensureTemporalCli } from '../scripts/temporal-cli';

/** Every suite that needs Temporal runs the real CLI's dev server; install it once, before any test. */
export default async function globalSetup() {
  process.env.TEMPORAL_CLI = await ensureTemporalCli();
}
