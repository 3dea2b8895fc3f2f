import type { Logger } from '../../../logging';
import { consulReadinessNotes, createStartWaits, isDatabaseAway, readyAnswer, untilAnswers } from '../../../service/readiness';

function recordingLogger() {
  const lines: { level: string; msg: string }[] = [];
  const at = (level: string) => (fields: unknown, msg?: string) => lines.push({ level, msg: typeof fields === 'string' ? fields : (msg ?? '') });
  return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error') } as unknown as Logger };
}

describe('consulReadinessNotes', () => {
  it('says nothing without a registration, `up` while Consul lists the instance, and `away` (degraded) while not', () => {
    let state: 'registered' | 'away' | undefined;
    const notes = consulReadinessNotes(() => state);
    expect([notes.notes(), notes.degraded()]).toEqual([{}, []]);
    state = 'registered';
    expect([notes.notes(), notes.degraded()]).toEqual([{ consul: 'up' }, []]);
    state = 'away';
    expect([notes.notes(), notes.degraded()]).toEqual([{ consul: 'away, not discoverable' }, ['consul']]);
    expect(readyAnswer({ database: 'up' }, { notes: notes.notes(), degraded: notes.degraded() }).body).toEqual({
      status: 'ok',
      consul: 'away, not discoverable',
      degraded: ['consul'],
    });
  });
});

describe('readyAnswer', () => {
  it('is 200 when every dependency is up, with what runs degraded beside the status', () => {
    expect(readyAnswer({ database: 'up', temporal: 'up' })).toEqual({ status: 200, body: { status: 'ok' } });
    expect(readyAnswer({ database: 'up' }, { notes: { redis: 'away, limiting in memory' }, degraded: ['redis'] })).toEqual({
      status: 200,
      body: { status: 'ok', redis: 'away, limiting in memory', degraded: ['redis'] },
    });
  });

  it('is 503 naming what it waits for, in the contract error shape with every state in details', () => {
    expect(readyAnswer({ database: 'down', temporal: 'up' }, { details: { temporalProblem: 'X' } })).toEqual({
      status: 503,
      body: {
        status: 'waiting',
        waitingFor: ['database'],
        error: {
          code: 'SERVICE_UNAVAILABLE',
          message: 'Not ready: waiting for the database',
          details: { database: 'down', temporal: 'up', temporalProblem: 'X' },
        },
      },
    });
    expect(readyAnswer({ database: 'down', temporal: 'down' }).body).toMatchObject({ waitingFor: ['database', 'temporal'] });
  });
});

describe('isDatabaseAway', () => {
  it.each([
    "Error: Can't reach database server at `127.0.0.1:5999`",
    'connect ECONNREFUSED 127.0.0.1:5432',
    'getaddrinfo ENOTFOUND postgres',
    'Connection terminated unexpectedly',
    'FATAL: the database system is starting up',
    '(conn:-1, no: 45028, SQLState: HY000) retrieve connection from pool timeout after 10001ms',
    // A server at its connection limit has no room yet: it answers once others let go.
    'Error: sorry, too many clients already',
    '(conn:-1, no: 1040, SQLState: 08004) Too many connections',
  ])('waits for a server that does not answer: %s', (message) => {
    expect(isDatabaseAway(new Error(message))).toBe(true);
  });

  it('sees the reason in a cause', () => {
    expect(isDatabaseAway(new Error('The gateway service cannot use its store database', { cause: { code: 'ECONNREFUSED' } }))).toBe(true);
  });

  it.each([
    'The DATABASE_URL "mongodb://x" is not supported',
    'password authentication failed for user "store"',
    'database "store" does not exist',
  ])('stops the start on a bad setting: %s', (message) => {
    expect(isDatabaseAway(new Error(message))).toBe(false);
  });
});

describe('untilAnswers', () => {
  it('retries while the dependency is away, says so once per reason, shows it as waited for, and goes on once it answers', async () => {
    const { lines, logger } = recordingLogger();
    const waits = createStartWaits();
    const seen: string[][] = [];
    let attempts = 0;
    const result = await untilAnswers({
      dependency: 'database',
      what: 'the store database',
      isAway: isDatabaseAway,
      logger,
      waits,
      stopped: new Promise(() => undefined),
      attempt: async () => {
        attempts += 1;
        const answer = waits.answer();
        seen.push(answer.status === 503 ? answer.body.waitingFor : []);
        if (attempts < 3) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        return 'connected';
      },
    });
    expect(result).toBe('connected');
    expect(attempts).toBe(3);
    expect(seen).toEqual([['database'], ['database'], ['database']]);
    expect(waits.answer().status).toBe(200);
    expect(lines.map((line) => line.level)).toEqual(['warn', 'info']);
    expect(lines[0]!.msg).toContain('The store database does not answer (connect ECONNREFUSED 127.0.0.1:5432)');
  });

  it('throws a bad setting at once, without retrying, naming the setting', async () => {
    const { logger } = recordingLogger();
    let attempts = 0;
    const failing = untilAnswers({
      dependency: 'database',
      what: 'the store database',
      settingName: 'DATABASE_URL',
      isAway: isDatabaseAway,
      logger,
      waits: createStartWaits(),
      stopped: new Promise(() => undefined),
      attempt: async () => {
        attempts += 1;
        throw new Error('password authentication failed for user "store"');
      },
    });
    await expect(failing).rejects.toThrow('password authentication failed for user "store"\n(check DATABASE_URL)');
    expect(attempts).toBe(1);
  });

  it('gives up waiting when the process is told to stop', async () => {
    const { logger } = recordingLogger();
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const waiting = untilAnswers({
      dependency: 'temporal',
      what: 'Temporal',
      isAway: () => true,
      logger,
      waits: createStartWaits(),
      stopped,
      attempt: async () => {
        stop();
        throw new Error('unavailable');
      },
    });
    await expect(waiting).resolves.toBeUndefined();
  });
});
