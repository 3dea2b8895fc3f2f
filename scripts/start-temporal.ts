/** `npm run start:temporal`: the Temporal dev server alone, in the foreground, on the project's state file. */
import { loadConfig } from '../config';
import { runInForeground } from './foreground';
import { ensureTemporalCli } from './temporal-cli';
import { devServerArgs, devServerOptions } from '../launch/temporal-dev-server';

const options = devServerOptions(loadConfig());
void runInForeground('temporal', ensureTemporalCli(), () => devServerArgs(options), {
  banner: `gRPC ${options.address}, Web UI http://127.0.0.1:${options.uiPort}, state ${options.dbFile}`,
  detached: true,
  stdin: 'ignore',
});
