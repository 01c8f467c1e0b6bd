import { z } from 'zod';
import { durationSchema, parseDuration } from './rules/duration';
import { DEFAULT_RETENTION, MIN_RETENTION_MS } from './rules/retention';
import { parseOutboundSink } from './rules/urlSafety';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

// A malformed value gets only durationSchema's message: the bound is judged on well-formed values.
const retention = durationSchema.refine((s) => {
  try {
    return parseDuration(s) >= MIN_RETENTION_MS;
  } catch {
    return true;
  }
}, 'must be at least 1s');

const port = z.coerce
  .number({ message: 'must be a port number' })
  .int('must be a port number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

/** Every environment variable Switchyard reads. Keys are the variable names. */
export const envSchema = z.object({
  PORT: port.default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:/]+:\d+$/, 'must be host:port, e.g. temporal:7233')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  // The Temporal Web UI the console's "Open in Temporal UI" links go to (unset: the embedded UI on
  // TEMPORAL_UI_PORT; with TEMPORAL_ADDRESS and no TEMPORAL_UI_URL the console shows no link).
  TEMPORAL_UI_URL: z
    .string()
    .regex(/^https?:\/\/[^\s]+$/, 'must be an http:// or https:// URL')
    .optional(),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  TEMPORAL_TEST_SERVER_PATH: z.string().min(1).optional(),
  SWITCHYARD_DATA_DIR: z.string().min(1).default('.data'),
  SWITCHYARD_ADMIN_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  SWITCHYARD_SECRET_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  SWITCHYARD_ALLOW_PRIVATE_TARGETS: bool.default(false),
  // Fuzzing and staging: every outbound connection goes to this loopback host:port, names unresolved.
  SWITCHYARD_OUTBOUND_SINK: z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      const parsed = v === undefined ? undefined : parseOutboundSink(v);
      if (parsed && 'problem' in parsed) ctx.addIssue({ code: 'custom', message: parsed.problem });
    }),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  SMTP_FROM: z.string().min(3).default('Switchyard <switchyard@localhost>'),
  SWITCHYARD_RATE_LIMIT: z.coerce
    .number({ message: 'must be a number of requests per second (0 turns the limit off)' })
    .min(0, 'must be a number of requests per second (0 turns the limit off)')
    .default(1000),
  // Events with at most this many deliveries have their deliverWebhook workflows started by the
  // API itself; wider ones by a dispatchEvent workflow (0: always the workflow). Unset: 16 when a
  // worker shares the process (eager starts), else 4. See services/events.ts.
  SWITCHYARD_DIRECT_START_MAX: z.coerce
    .number({ message: 'must be a whole number from 0 to 16' })
    .int('must be a whole number from 0 to 16')
    .min(0, 'must be a whole number from 0 to 16')
    .max(16, 'must be a whole number from 0 to 16')
    .optional(),
  // Finished deliveries, settled events, finished job runs and sent notifications older than this are
  // purged by the daily `switchyard-retention` Schedule (src/workflows/retention).
  SWITCHYARD_RETENTION: retention.default(DEFAULT_RETENTION),
  // The Web UI's "Stack Trace" tab for running workflows: off unless true, as it costs 1–4 ms of
  // CPU per workflow. Applied in the workflow thread by src/worker/workflowThread.cjs (preloaded).
  SWITCHYARD_WORKFLOW_STACK_TRACES: bool.default(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SWITCHYARD_PUBLIC_URL: z.string().url().optional(),
});

export type Config = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Validates the environment once, at start-up; one line per bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "unset": compose files and shells often export FOO= .
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  return parsed.data;
}
