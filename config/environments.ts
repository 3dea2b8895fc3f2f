import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError, envSchema } from './index';
import { kvSettingProblem } from './settings';

export const appEnvironments = envSchema.shape.APP_ENV.unwrap().options;
export type AppEnvironment = (typeof appEnvironments)[number];

const defaultsFile = z.record(z.string(), z.string());

/** The checked-in defaults of an environment (`config/environments/<env>.json`), each value checked as KV's are. */
export function environmentDefaults(appEnv: string): Record<string, string> {
  if (!(appEnvironments as readonly string[]).includes(appEnv)) {
    throw new ConfigError(`Unknown environment ${appEnv}: expected one of ${appEnvironments.join(', ')}`);
  }
  const file = path.join(__dirname, 'environments', `${appEnv}.json`);
  const parsed = defaultsFile.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) throw new ConfigError(`${file}: every value must be the setting's text (a string)`);
  const problems = Object.entries(parsed.data).flatMap(([name, value]) => {
    const problem = kvSettingProblem(name, value);
    return problem ? [`${name}: ${problem}`] : [];
  });
  if (problems.length > 0) throw new ConfigError(`${file}: ${problems.join('; ')}`);
  return parsed.data;
}
