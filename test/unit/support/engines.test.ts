import { missingEngineFailure, runsInCi, type EngineProbe } from '../../support/engines';

const allAnswer: EngineProbe = { available: ['sqlite', 'postgresql', 'mysql'], unavailable: {}, leftOut: [] };
const postgresSilent: EngineProbe = {
  available: ['sqlite', 'mysql'],
  unavailable: { postgresql: 'no answer at postgresql://postgres@127.0.0.1:1/postgres (connect ECONNREFUSED 127.0.0.1:1)' },
  leftOut: [],
};
const mysqlLeftOut: EngineProbe = {
  available: ['sqlite', 'postgresql'],
  unavailable: { mysql: 'left out by TEST_ENGINES' },
  leftOut: ['mysql'],
};

describe('whether a database engine that does not run fails the run', () => {
  it('fails it in CI when a server does not answer, naming the engine and why', () => {
    const failure = missingEngineFailure(postgresSilent, { CI: 'true' });
    expect(failure).toContain('postgresql has no answer at postgresql://postgres@127.0.0.1:1/postgres');
    expect(failure).toContain('TEST_ENGINES');
    expect(failure).not.toContain('mysql has');
  });

  it('names every engine that does not answer', () => {
    const bothSilent: EngineProbe = {
      available: ['sqlite'],
      unavailable: { postgresql: 'no answer at A', mysql: 'no answer at B' },
      leftOut: [],
    };
    expect(missingEngineFailure(bothSilent, { CI: 'true' })).toMatch(/postgresql has no answer at A; mysql has no answer at B/);
  });

  it('lets the run go on in CI when every engine answers, or when TEST_ENGINES leaves the silent one out', () => {
    expect(missingEngineFailure(allAnswer, { CI: 'true' })).toBeUndefined();
    expect(missingEngineFailure(mysqlLeftOut, { CI: 'true' })).toBeUndefined();
  });

  it('lets the run go on outside CI, where a missing server only skips its suites', () => {
    expect(missingEngineFailure(postgresSilent, {})).toBeUndefined();
    expect(missingEngineFailure(postgresSilent, { CI: 'false' })).toBeUndefined();
    expect(missingEngineFailure(postgresSilent, { CI: '0' })).toBeUndefined();
  });

  it('takes CI=true or CI=1 for CI, and nothing, an empty value, false or 0 for not', () => {
    expect([runsInCi({ CI: 'true' }), runsInCi({ CI: '1' }), runsInCi({ CI: 'TRUE' })]).toEqual([true, true, true]);
    expect([runsInCi({}), runsInCi({ CI: '' }), runsInCi({ CI: 'false' }), runsInCi({ CI: '0' })]).toEqual([false, false, false, false]);
  });
});
