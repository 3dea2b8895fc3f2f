import type { Logger } from '../logging';

/**
 * What a process needs before it can do its work, as `/ready` names them: its database, its Temporal server. Redis and
 * Consul are not among them: without Redis the gateway limits in memory, without Consul a process still works (it is
 * registered once Consul answers); `/ready` says so and stays 200.
 */
export type Dependency = 'database' | 'temporal';
export type DependencyState = 'up' | 'down';

/** The answer of `/ready` in every process, 200 or 503. */
export type ReadyAnswer =
  | { status: 200; body: { status: 'ok'; degraded?: string[] } & Record<string, unknown> }
  | {
      status: 503;
      body: {
        status: 'waiting';
        waitingFor: Dependency[];
        error: { code: 'SERVICE_UNAVAILABLE'; message: string; details: Record<string, string> };
      };
    };

/**
 * The `/ready` answer from what each dependency does now: 200 when every one is up (with `notes` on what runs degraded,
 * such as `{ redis: 'away, limiting in memory' }`), else 503 with `status: 'waiting'`, `waitingFor` (the ones that do
 * not answer) and, in the contract's error shape, `details` with every dependency's state and `reason`'s message.
 */
export function readyAnswer(
  states: Partial<Record<Dependency, DependencyState>>,
  options: { reason?: string; details?: Record<string, string>; notes?: Record<string, string>; degraded?: string[] } = {},
): ReadyAnswer {
  const waitingFor = (Object.keys(states) as Dependency[]).filter((name) => states[name] === 'down');
  if (waitingFor.length === 0) {
    const degraded = options.degraded ?? [];
    return { status: 200, body: { status: 'ok', ...options.notes, ...(degraded.length ? { degraded } : {}) } };
  }
  const reason = options.reason ?? `waiting for ${waitingFor.map(describe).join(' and ')}`;
  return {
    status: 503,
    body: {
      status: 'waiting',
      waitingFor,
      error: {
        code: 'SERVICE_UNAVAILABLE',
        message: `Not ready: ${reason}`,
        details: { ...(states as Record<string, string>), ...options.details },
      },
    },
  };
}

const describe = (dependency: Dependency) => (dependency === 'database' ? 'the database' : 'Temporal');

/**
 * The dependencies a process is waiting for while it starts (or, for Temporal in a worker, while it connects), with
 * the last reason each gave: what `/ready` answers before the service's own API is up.
 */
export function createStartWaits() {
  const waits = new Map<Dependency, string>();
  return {
    waiting(dependency: Dependency, reason: string) {
      waits.set(dependency, reason);
    },
    answered(dependency: Dependency) {
      waits.delete(dependency);
    },
    answer(): ReadyAnswer {
      const states = Object.fromEntries([...waits.keys()].map((name) => [name, 'down' as const]));
      const reasons = [...waits].map(([name, reason]) => `${describe(name)}: ${reason}`);
      return readyAnswer(states, reasons.length ? { reason: `waiting for ${reasons.join('; ')}` } : {});
    },
  };
}
export type StartWaits = ReturnType<typeof createStartWaits>;

/**
 * What a process adds to a 200 `/ready` from outside its own dependencies: the service lifecycle's Consul registration,
 * for one. The process's own `/ready` composes them into its `readyAnswer`.
 */
export interface ReadinessNotes {
  notes(): Record<string, string>;
  degraded(): string[];
}

export const noReadinessNotes: ReadinessNotes = { notes: () => ({}), degraded: () => [] };

/**
 * With CONSUL_HTTP_ADDR, whether Consul lists the instance: Consul away does not make a process unready, since it
 * does its work all the same, but nobody finds it there meanwhile.
 */
export function consulReadinessNotes(state: () => 'registered' | 'away' | undefined): ReadinessNotes {
  return {
    notes: (): Record<string, string> => {
      const current = state();
      return current === undefined ? {} : { consul: current === 'away' ? 'away, not discoverable' : 'up' };
    },
    degraded: () => (state() === 'away' ? ['consul'] : []),
  };
}

/** Retry delays: 0.5 s, doubling, at most 10 s. */
export const backoff = { firstMs: 500, maxMs: 10_000 };

/**
 * Tries `attempt` until it answers, `backoff` apart, while `isAway(error)` says the dependency is only unreachable (any
 * other error is thrown at once: a bad setting stops the start). Logged once when it starts waiting and once more for
 * each new reason, then once when it answers; not per attempt. `waits` tells `/ready` meanwhile. Answers undefined
 * when `stopped` resolves first.
 */
export async function untilAnswers<T>(options: {
  dependency: Dependency;
  /** How the dependency is named in the log: "the store database at postgresql://…", "Temporal at …". */
  what: string;
  attempt: () => Promise<T>;
  isAway: (error: unknown) => boolean;
  /** The reason to show (log and `/ready`) for an error; its message by default. */
  reasonOf?: (error: unknown) => string;
  logger: Logger;
  waits: StartWaits;
  stopped: Promise<void>;
  logFields?: Record<string, unknown>;
  /** The setting to check, named in the error when a failure is no outage (thrown at once). */
  settingName?: string;
  /** The level of the line that says it does not answer: warn by default. */
  level?: 'warn' | 'error';
}): Promise<T | undefined> {
  const { dependency, what, logger, waits } = options;
  let lastReason: string | undefined;
  let delay = backoff.firstMs;
  let stop = false;
  void options.stopped.then(() => (stop = true));
  // Waited for from the first attempt on, until it answers.
  waits.waiting(dependency, 'no answer yet');
  for (;;) {
    try {
      const result = await options.attempt();
      waits.answered(dependency);
      if (lastReason !== undefined) logger.info({ ...options.logFields }, `${capitalized(what)} answers: going on`);
      return result;
    } catch (error) {
      if (!options.isAway(error)) {
        if (!options.settingName || !(error instanceof Error)) throw error;
        throw Object.assign(new Error(`${error.message}\n(check ${options.settingName})`, { cause: error }), {
          name: error.name,
          code: (error as { code?: unknown }).code,
        });
      }
      const reason = (options.reasonOf ?? messageOf)(error);
      waits.waiting(dependency, reason);
      if (reason !== lastReason) {
        logger[options.level ?? 'warn'](
          { ...options.logFields, reason },
          `${capitalized(what)} does not answer (${reason}); waiting for it, retrying up to every ${backoff.maxMs / 1000}s`,
        );
        lastReason = reason;
      }
    }
    if (stop) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const stopping = await Promise.race([
      options.stopped.then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), delay))),
    ]);
    clearTimeout(timer);
    if (stopping) return undefined;
    delay = Math.min(delay * 2, backoff.maxMs);
  }
}

const capitalized = (text: string) => `${text[0]!.toUpperCase()}${text.slice(1)}`;

function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // Prisma's CLI output and driver errors run over several lines; the first meaningful one says what happened.
  const lines = message.split('\n').map((line) => line.trim()).filter(Boolean);
  return (lines.find((line) => /^Error\b/.test(line)) ?? lines[lines.length - 1] ?? message).replace(/^Error:\s*/, '');
}

/**
 * True when an error says a database server cannot be reached now (refused, reset, timed out, not resolvable yet,
 * starting up, or an SQLite file another process holds): worth waiting for. A malformed URL, a refused password or a
 * missing database are settings to fix, not outages: false.
 */
export function isDatabaseAway(error: unknown): boolean {
  const text = textOf(error);
  return /Can't reach database server|P1001|P1002|P1017|P1008|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|Connection terminated|Server has closed the connection|socket hang up|Connection lost|closed the connection|the database system is (starting up|shutting down|in recovery mode)|57P03|retrieve connection from pool timeout|connect timeout|Connection timed? ?out|SQLITE_BUSY|database is locked|too many (clients|connections)|53300|ER_CON_COUNT_ERROR/i.test(
    text,
  );
}

/** The error's message, code and causes, as one text to match. */
function textOf(error: unknown, depth = 0): string {
  if (depth > 4 || error === null || error === undefined) return '';
  if (typeof error !== 'object') return String(error);
  const { message, code, cause, errors } = error as { message?: unknown; code?: unknown; cause?: unknown; errors?: unknown };
  const parts = [String(message ?? ''), String(code ?? ''), textOf(cause, depth + 1)];
  if (Array.isArray(errors)) parts.push(...errors.map((inner) => textOf(inner, depth + 1)));
  return parts.join(' ');
}
