/** `npm run start:temporal`: the Temporal dev server alone, in the foreground, on the project's state file. */
import { loadConfig } from '../config';
import { ensureTemporalCli } from './temporal-cli';
import { devServerOptions, startTemporalDevServer } from './temporal-dev-server';

async function main() {
  const config = loadConfig();
  const cli = await ensureTemporalCli();
  const options = devServerOptions(config);
  console.log(`[temporal] gRPC ${options.address}, Web UI http://127.0.0.1:${options.uiPort}, state ${options.dbFile}`);
  const server = startTemporalDevServer(cli, options);
  const stop = () => server.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  server.on('exit', (code, signal) => process.exit(signal ? 0 : (code ?? 0)));
}

main().catch((error) => {
  console.error(`[temporal] ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
