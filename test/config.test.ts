import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';

describe('configuration', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    for (const unset of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SMTP_URL', 'SWITCHYARD_ADMIN_KEY'] as const) {
      expect(config[unset]).toBeUndefined();
    }
    expect(config).toMatchObject({
      PORT: 3000,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_PORT: 7233,
      TEMPORAL_UI_PORT: 8233,
      SWITCHYARD_DATA_DIR: '.data',
      SWITCHYARD_ALLOW_PRIVATE_TARGETS: false,
      LOG_LEVEL: 'info',
      SWITCHYARD_RETENTION: '30d',
      SWITCHYARD_WORKFLOW_STACK_TRACES: false,
    });
    expect(config.SWITCHYARD_DIRECT_START_MAX).toBeUndefined(); // chosen by the process's roles
  });

  it('treats empty variables as unset', () => {
    const config = loadConfig({ DATABASE_URL: '', PORT: '' });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.PORT).toBe(3000);
  });

  it.each([
    ['PORT', '0'],
    ['PORT', 'abc'],
    ['TEMPORAL_UI_PORT', '70000'],
    ['DATABASE_URL', 'mysql://localhost/x'],
    ['TEMPORAL_ADDRESS', 'http://temporal:7233'],
    ['SWITCHYARD_ALLOW_PRIVATE_TARGETS', 'maybe'],
    ['SWITCHYARD_ADMIN_KEY', 'short'],
    ['SMTP_URL', 'mail.example.com'],
    ['LOG_LEVEL', 'verbose'],
    ['SWITCHYARD_OUTBOUND_SINK', 'sink.example:80'],
    ['SWITCHYARD_OUTBOUND_SINK', '127.0.0.1'],
    ['SWITCHYARD_DIRECT_START_MAX', '17'],
    ['SWITCHYARD_DIRECT_START_MAX', '1.5'],
    ['SWITCHYARD_RETENTION', '30'],
    ['SWITCHYARD_RETENTION', '0s'],
    ['SWITCHYARD_RETENTION', '1.5d'],
    ['SWITCHYARD_RETENTION', '-1d'],
    ['SWITCHYARD_RETENTION', '99999999999999999d'],
    ['TEMPORAL_UI_URL', 'temporal-ui:8080'],
    ['TEMPORAL_UI_URL', 'ftp://temporal-ui'],
    ['SWITCHYARD_WORKFLOW_STACK_TRACES', 'on'],
  ])('refuses %s=%s with one line naming it', (name, value) => {
    try {
      loadConfig({ [name]: value });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toHaveLength(1);
      expect((err as ConfigError).problems[0]).toMatch(new RegExp(`^${name}: `));
    }
  });

  it.each([
    ['SWITCHYARD_ALLOW_PRIVATE_TARGETS', 'true', true],
    ['SWITCHYARD_ALLOW_PRIVATE_TARGETS', '0', false],
    ['DATABASE_URL', 'postgresql://u@db:5432/x', 'postgresql://u@db:5432/x'],
    ['TEMPORAL_ADDRESS', 'temporal:7233', 'temporal:7233'],
    ['SMTP_URL', 'smtp://mail:25', 'smtp://mail:25'],
    ['SWITCHYARD_OUTBOUND_SINK', '127.0.0.1:9999', '127.0.0.1:9999'],
    ['SWITCHYARD_RETENTION', '1s', '1s'],
    ['SWITCHYARD_RETENTION', '90d', '90d'],
    ['TEMPORAL_UI_URL', 'https://temporal.example.test', 'https://temporal.example.test'],
    ['SWITCHYARD_WORKFLOW_STACK_TRACES', 'true', true],
    ['SWITCHYARD_WORKFLOW_STACK_TRACES', 'no', false],
  ])('accepts %s=%s', (name, value, parsed) => {
    expect(loadConfig({ [name]: value })[name as keyof ReturnType<typeof loadConfig>]).toBe(parsed);
  });
});
