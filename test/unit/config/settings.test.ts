import { loadConfig } from '../../../config';
import { settingsFromKv } from '../../../config/live-config';
import { effectiveSettings, isLiveSetting, kvSettingProblem } from '../../../config/settings';
import { environmentDefaults } from '../../../config/environments';

describe('settings from the environment, Consul KV and the defaults', () => {
  it('let the environment win over KV, and KV over the built-in default', () => {
    const kv = { RATE_LIMIT_PER_MINUTE: '7', PURCHASE_CANCEL_WINDOW: '5s' };
    const config = loadConfig({ RATE_LIMIT_PER_MINUTE: '9' }, kv);
    expect(config.rateLimitPerMinute).toBe(9);
    expect(config.purchase.cancelWindow).toBe('5s');
    expect(config.services.carrier.dailyCapacity).toBe(50);
    expect(loadConfig({ RATE_LIMIT_PER_MINUTE: '' }, kv).rateLimitPerMinute).toBe(7);
    const sources = Object.fromEntries(effectiveSettings({ RATE_LIMIT_PER_MINUTE: '9' }, kv).map((s) => [s.name, s]));
    expect(sources.RATE_LIMIT_PER_MINUTE).toMatchObject({ value: '9', source: 'env', live: true });
    expect(sources.PURCHASE_CANCEL_WINDOW).toMatchObject({ value: '5s', source: 'kv', live: true });
    expect(sources.CARRIER_DAILY_CAPACITY).toMatchObject({ value: '50', source: 'default', live: true });
    expect(sources.SESSION_TTL).toMatchObject({ value: '30d', source: 'default', live: false });
  });

  it('read the orchestrator’s port from ORCHESTRATOR_PORT, and from its older name only when that is unset', () => {
    expect(loadConfig({}).orchestrator.metricsPort).toBe(3003);
    expect(loadConfig({ ORCHESTRATOR_PORT: '4103' }).orchestrator.metricsPort).toBe(4103);
    expect(loadConfig({ ORCHESTRATOR_METRICS_PORT: '4104' }).orchestrator.metricsPort).toBe(4104);
    expect(loadConfig({ ORCHESTRATOR_PORT: '4103', ORCHESTRATOR_METRICS_PORT: '4104' }).orchestrator.metricsPort).toBe(4103);
  });

  it('check a KV value with the same schema as the environment, so it means the same from either', () => {
    expect(kvSettingProblem('RATE_LIMIT_PER_MINUTE', '120')).toBeUndefined();
    expect(kvSettingProblem('RATE_LIMIT_PER_MINUTE', 'lots')).toMatch(/number/i);
    expect(kvSettingProblem('PURCHASE_CANCEL_WINDOW', 'soon')).toMatch(/duration/);
    expect(kvSettingProblem('LOG_LEVEL', 'loud')).toBeDefined();
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(kvSettingProblem('NO_SUCH_SETTING', '1')).toMatch(/not a setting/);
    expect(kvSettingProblem('ADMIN_PASSWORD', 'x')).toMatch(/secret/);
    expect(kvSettingProblem('CONSUL_HTTP_ADDR', '127.0.0.1:1')).toMatch(/environment/);
    // One instance's own: from KV, every replica would register the same address or id.
    expect(kvSettingProblem('SERVICE_ADDRESS', '10.0.0.7')).toMatch(/belongs to one instance/);
    expect(kvSettingProblem('POD_NAME', 'shop-supplier-1')).toMatch(/belongs to one instance/);
    expect(kvSettingProblem('SERVICE_TOKEN', 'a-token-of-twenty-chars')).toMatch(/secret/);
    expect(kvSettingProblem('CONSUL_HTTP_TOKEN', 'x')).toMatch(/secret/);
  });

  it('name the live settings: rate limit, cancel window, carrier capacity, log level and the login throttle', () => {
    for (const name of ['RATE_LIMIT_PER_MINUTE', 'PURCHASE_CANCEL_WINDOW', 'CARRIER_DAILY_CAPACITY', 'LOG_LEVEL', 'LOGIN_FREE_FAILURES', 'LOGIN_MAX_DELAY']) {
      expect(isLiveSetting(name)).toBe(true);
    }
    expect(isLiveSetting('DATABASE_URL')).toBe(false);
    expect(isLiveSetting('PORT')).toBe(false);
  });

  it('mask secrets in what show prints, keeping where a URL points', () => {
    const shown = effectiveSettings(
      { DATABASE_URL: 'postgresql://store:pw-123@db:5432/store', ADMIN_PASSWORD: 'admin-pw-456', SUPPLIER_URL: 'http://u:pw-789@s:1' },
      {},
    );
    const text = JSON.stringify(shown);
    for (const secret of ['pw-123', 'admin-pw-456', 'pw-789']) expect(text).not.toContain(secret);
    expect(shown.find((s) => s.name === 'DATABASE_URL')?.value).toBe('postgresql://store:***@db:5432/store');
  });

  it('read only the settings directly under the environment folder of KV', () => {
    const prefix = 'purchase-saga/dev/';
    expect(
      settingsFromKv(
        [
          { Key: 'purchase-saga/dev/', Value: null },
          { Key: 'purchase-saga/dev/LOG_LEVEL', Value: 'debug' },
          { Key: 'purchase-saga/dev/nested/LOG_LEVEL', Value: 'error' },
        ],
        prefix,
      ),
    ).toEqual({ LOG_LEVEL: 'debug' });
  });

  it('keep checked-in defaults for dev, staging and prod that every process accepts', () => {
    for (const appEnv of ['dev', 'staging', 'prod']) {
      const defaults = environmentDefaults(appEnv);
      expect(Object.keys(defaults).length).toBeGreaterThan(0);
      expect(() => loadConfig({ APP_ENV: appEnv }, defaults)).not.toThrow();
    }
    expect(() => environmentDefaults('qa')).toThrow(/Unknown environment/);
  });
});
