/**
 * `npm run start:consul`: a Consul agent (built from Go modules by scripts/tools.ts) in dev mode, in the foreground:
 * HTTP API and UI on 127.0.0.1:8500, state kept in memory. Point processes at it with `CONSUL_HTTP_ADDR=127.0.0.1:8500`.
 */
import { consulDevAddress, consulDevAgentArgs } from './consul-agent';
import { runInForeground } from './foreground';
import { ensureTool } from './tools';

void runInForeground('consul', ensureTool('consul'), consulDevAgentArgs(), {
  banner: `HTTP API and UI on http://${consulDevAddress} (CONSUL_HTTP_ADDR=${consulDevAddress})`,
});
