// The image's HEALTHCHECK: asks the process in this container for /health on its own port. Which process runs is
// read from PID 1's command line, so one image serves the four entry points without a shell or curl.
import fs from 'node:fs';

const portByEntry = {
  'api/main.ts': process.env.PORT ?? '3000',
  'workers/supplier.ts': process.env.SUPPLIER_PORT ?? '3001',
  'workers/carrier.ts': process.env.CARRIER_PORT ?? '3002',
  'workers/orchestrator.ts': process.env.ORCHESTRATOR_PORT ?? process.env.ORCHESTRATOR_METRICS_PORT ?? '3003',
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
