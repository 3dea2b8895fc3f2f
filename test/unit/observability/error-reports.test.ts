import { ConfigError, loadConfig } from '../../../config';
import { reportError, startErrorReports } from '../../../observability/error-reports';

describe('error reports settings', () => {
  it('are off without SENTRY_DSN: nothing is started and reporting does nothing', async () => {
    expect(loadConfig({ SENTRY_DSN: '' }).errorReports.dsn).toBeUndefined();
    expect(await startErrorReports('gateway', {})).toBe(false);
    expect(() => reportError(new Error('not sent'), { requestId: 'r-1' })).not.toThrow();
  });

  it('refuse a SENTRY_DSN that is not a URL at start-up', () => {
    expect(() => loadConfig({ SENTRY_DSN: 'not a dsn' })).toThrow(/SENTRY_DSN/);
  });

  it('refuse a URL that is no Sentry DSN (no public key, no project), which the SDK alone would only print', async () => {
    await expect(startErrorReports('gateway', { dsn: 'http://127.0.0.1:9/' })).rejects.toThrow(ConfigError);
  });
});
