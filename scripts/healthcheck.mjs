// The image's HEALTHCHECK: asks the process in this container for /health on its own port. Which process runs is
// read from PID 1's command line (the compiled entry, npm run build), so one image serves the four entry points without
// a shell or curl.
import fs from 'node:fs';

const portByEntry = {
  'dist/api/main.js': process.env.PORT ?? '3000',
  'dist/workers/supplier.js': process.env.SUPPLIER_PORT ?? '3001',
  'dist/workers/carrier.js': process.env.CARRIER_PORT ?? '3002',
  'dist/workers/orchestrator.js': process.env.ORCHESTRATOR_PORT ?? process.env.ORCHESTRATOR_METRICS_PORT ?? '3003',
};

const commandLine = fs.readFileSync('/proc/1/cmdline', 'utf8').split('\0');
const entry = Object.keys(portByEntry).find((name) => commandLine.some((arg) => arg.endsWith(name)));
if (!entry) {
  console.error(`healthcheck: no known entry point in "${commandLine.join(' ')}"`);
  process.exit(1);
}
try {
  const response = await fetch(`http://127.0.0.1:${portByEntry[entry]}/health`, { signal: AbortSignal.timeout(2500) });
  process.exit(response.ok ? 0 : 1);
} catch (error) {
  console.error(`healthcheck: ${entry} does not answer: ${error.message}`);
  process.exit(1);
}
