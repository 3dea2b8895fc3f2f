/**
 * `npm run chaos -- [--purchases N] [--duration SECONDS] [--faults N] [--seed N]`: the long fault-injection run.
 * Starts the real processes, sends purchases while killing workers, restarting Temporal and taking databases away,
 * then prints the faults injected and the invariants checked. Exits non-zero when an invariant broke. With
 * DATABASE_URL, SUPPLIER_DATABASE_URL or CARRIER_DATABASE_URL set, those services run on that server database.
 */
import { parseArgs } from 'node:util';
import { formatReport } from '../chaos/report';
import { runChaos } from '../chaos/scenario';
import { ensureTemporalCli } from './temporal-cli';

async function main() {
  const { values } = parseArgs({
    options: {
      purchases: { type: 'string', default: '60' },
      duration: { type: 'string', default: '120' },
      faults: { type: 'string', default: '10' },
      seed: { type: 'string', default: String(Date.now() % 100_000) },
      settle: { type: 'string', default: '180' },
    },
  });
  const number = (name: keyof typeof values) => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a whole number, not ${values[name]}`);
    return value;
  };
  process.env.TEMPORAL_CLI = await ensureTemporalCli();
  // Server databases named as for npm start are used (through a proxy the faults can pause); else SQLite files.
  const databaseUrls = Object.fromEntries(
    Object.entries({
      store: process.env.DATABASE_URL,
      supplier: process.env.SUPPLIER_DATABASE_URL,
      carrier: process.env.CARRIER_DATABASE_URL,
    }).filter(([, url]) => url),
  );
  const report = await runChaos({
    purchases: number('purchases'),
    durationMs: number('duration') * 1000,
    extraFaults: number('faults'),
    seed: number('seed'),
    settleMs: number('settle') * 1000,
    databaseUrls,
    log: (line) => console.log(`[chaos] ${line}`),
  });
  console.log(`\n${formatReport(report)}`);
  process.exit(report.invariants.every((invariant) => invariant.held) ? 0 : 1);
}

main().catch((error) => {
  console.error(`[chaos] ${error instanceof Error ? error.stack : error}`);
  process.exit(2);
});
