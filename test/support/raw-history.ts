import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** An address whose every word is found nowhere else in a purchase's history: a test looks for each of them anywhere. */
export const unusualAddress = { name: 'Adelheid Quimby', street: '17 Zwieback Lane', city: 'Quedlinburg', postalCode: 'QX7 4ZW', country: 'DE' };

/** The personal words of a purchase to `unusualAddress` by the customer with this email. */
export const personalWords = (email: string) => [unusualAddress.name, unusualAddress.street, unusualAddress.postalCode, unusualAddress.city, email];

/**
 * `temporal workflow show -o json` of one workflow, as the CLI prints it. `args` and `env` say how to reach the server
 * (address, namespace, TLS); `codec` adds a codec server with a bearer token.
 */
export async function showHistory(
  workflowId: string,
  options: { args?: string[]; env?: Record<string, string>; codec?: { endpoint: string; token: string } } = {},
): Promise<string> {
  const cli = process.env.TEMPORAL_CLI;
  if (!cli) throw new Error('TEMPORAL_CLI is not set: run the tests through jest (test/global-setup.ts installs it)');
  const args = ['workflow', 'show', '--workflow-id', workflowId, '-o', 'json', ...(options.args ?? [])];
  if (options.codec) args.push('--codec-endpoint', options.codec.endpoint, '--codec-auth', `Bearer ${options.codec.token}`);
  const env = { ...process.env, ...options.env };
  return (await run(cli, args, { env, maxBuffer: 64 * 1024 * 1024 })).stdout;
}

/** The output and every base64 value in it decoded, so that a payload shown as bytes is searched too. */
export function everythingIn(output: string): string {
  const decoded: string[] = [];
  const visit = (value: unknown) => {
    if (typeof value === 'string') decoded.push(Buffer.from(value, 'base64').toString('utf8'));
    else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit(JSON.parse(output));
  return [output, ...decoded].join('\n');
}
