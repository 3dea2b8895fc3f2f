/**
 * What `npm start` shows of its processes: their log lines made readable (pino-pretty, one line each, prefixed with
 * the process), and quiet while the system starts. Until every process is ready only warnings and errors are shown;
 * after that a service's info lines too (its requests and activities), a back-end's (Temporal, Jaeger, Prometheus,
 * Consul) and the Temporal SDK's own lines still only warnings and errors. What was held back is shown when a process exits before it was ready,
 * so a failed start explains itself.
 */
import { prettyFactory } from 'pino-pretty';

const levelNames: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, warning: 40, error: 50, fatal: 60, panic: 60 };
const warn = 40;
const keptPerProcess = 40;

/** A line's level: pino's number, or the name in a JSON `level` (zap, slog) or a logfmt `level=` (Prometheus). */
export function levelOf(line: string): { level: number | undefined; json?: Record<string, unknown> } {
  if (line.startsWith('{')) {
    try {
      const json = JSON.parse(line) as Record<string, unknown>;
      const level = typeof json.level === 'number' ? json.level : levelNames[String(json.level).toLowerCase()];
      return { level, json };
    } catch {
      // not JSON after all
    }
  }
  const named = /\blevel=("?)(\w+)\1/i.exec(line)?.[2];
  return { level: named ? levelNames[named.toLowerCase()] : undefined };
}

export interface StartOutput {
  /** A line a process wrote. */
  line(name: string, text: string): void;
  /** Every process is ready: from now on services' info lines are shown. */
  systemReady(): void;
  /** Shows what `name` wrote that was held back (it exited before the system was ready). */
  replay(name: string): void;
}

export function createStartOutput(options: { services: string[]; print?: (line: string) => void; colorize?: boolean }): StartOutput {
  const print = options.print ?? ((line: string) => console.log(line));
  const pretty = prettyFactory({
    colorize: options.colorize ?? Boolean(process.stdout.isTTY),
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,service,name',
  });
  const services = new Set(options.services);
  const held = new Map<string, string[]>();
  let ready = false;
  const labelled = (name: string, text: string) => `${`[${name}]`.padEnd(15)}${text}`;
  const show = (name: string, text: string, json?: Record<string, unknown>) =>
    print(labelled(name, json && typeof json.level === 'number' ? pretty(json).trimEnd() : text));

  return {
    line(name, text) {
      if (!text.trim()) return;
      const { level, json } = levelOf(text);
      // The SDK's own info lines (worker state changes) are for a log store, not for a person watching.
      const threshold = ready && services.has(name) && !json?.sdkComponent ? levelNames.info! : warn;
      // A line of unknown level is a service's own output (a stack, a banner): shown once the system is up.
      const shown = level === undefined ? ready && services.has(name) : level >= threshold;
      if (shown) return show(name, text, json);
      const kept = held.get(name) ?? [];
      kept.push(text);
      if (kept.length > keptPerProcess) kept.shift();
      held.set(name, kept);
    },
    systemReady() {
      ready = true;
      held.clear();
    },
    replay(name) {
      for (const text of held.get(name) ?? []) show(name, text, levelOf(text).json);
      held.delete(name);
    },
  };
}
