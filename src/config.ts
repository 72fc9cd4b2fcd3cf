import os from 'node:os';
import path from 'node:path';
import { StartupError } from './startup-error';

/** Typed, validated configuration, read once from the environment. */
export interface Config {
  /** Connection string of an external PostgreSQL; undefined runs the embedded one under `dataDir`. */
  databaseUrl?: string;
  /** `CDP_APP_DATABASE_URL`: the role the server connects as, when DATABASE_URL's role (the tables' owner) may not create it. */
  appDatabaseUrl?: string;
  port: number;
  host: string;
  /** `CDP_WORKERS`: processes serving the port, one per core by default; 1 serves from the one process `npm start` runs. */
  workers: number;
  /** Admin key given to the default workspace at its first start; generated when unset. */
  adminKey?: string;
  logLevel: string;
  production: boolean;
  /** Introspection and the landing page; off in production unless CDP_INTROSPECTION=true. */
  introspection: boolean;
  dataDir: string;
  /** Connections in the pool of each process. */
  poolSize: number;
  /** How long a request waits for a pooled connection before SERVICE_UNAVAILABLE. */
  poolAcquireTimeoutMs: number;
  /** Adds `extensions.sqlStatements` to responses, for the N+1 tests. */
  exposeStatementCount: boolean;
  /** Runs the job runner (scheduled sweeps, queued work) in this process. */
  jobs: boolean;
  /** Intake drainers in each process (0: this process applies no intake). */
  intakeDrainers: number;
  /** When set, `/metrics` requires `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** Origins browsers may call from; `*` for any (safe: credentials are bearer keys, not cookies). */
  corsOrigins: '*' | string[];
  limits: Limits;
}

export interface Limits {
  maxDepth: number;
  maxCost: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  bodyBytes: string;
  /** Active subscriptions one WebSocket may hold. */
  subscriptionsPerSocket: number;
  /** Largest `first` a connection accepts. */
  maxPageSize: number;
}

const int = (env: NodeJS.ProcessEnv, name: string, fallback: number): number => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new StartupError(`${name} must be a non-negative integer, got "${raw}"`, `fix or unset ${name}`);
  return value;
};

const workers = (env: NodeJS.ProcessEnv): number => {
  const count = int(env, 'CDP_WORKERS', os.availableParallelism());
  if (count < 1)
    throw new StartupError(`CDP_WORKERS must be at least 1, got "${env.CDP_WORKERS}"`, 'set it to 1 for a single process, or unset it for one per core');
  return count;
};

const bool = (env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!['true', 'false', '1', '0'].includes(raw)) throw new StartupError(`${name} must be true or false, got "${raw}"`, `fix or unset ${name}`);
  return raw === 'true' || raw === '1';
};

/** The shortest admin key accepted from CDP_ADMIN_KEY. */
export const MIN_ADMIN_KEY_LENGTH = 16;

const adminKey = (raw: string | undefined): string | undefined => {
  if (!raw) return undefined;
  if (raw.length < MIN_ADMIN_KEY_LENGTH) {
    throw new StartupError(
      `CDP_ADMIN_KEY is ${raw.length} characters long, fewer than ${MIN_ADMIN_KEY_LENGTH}`,
      'choose a longer key, or unset it to have one generated',
    );
  }
  return raw;
};

const origins = (raw: string | undefined): '*' | string[] => {
  const list = (raw ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  if (list.length === 0 || list.includes('*')) return '*';
  for (const origin of list) {
    if (!URL.canParse(origin) || new URL(origin).origin !== origin)
      throw new StartupError(
        `CDP_CORS_ORIGINS holds "${origin}", which is not an origin such as https://app.example.com`,
        'list origins separated by commas, or unset it for any',
      );
  }
  return list;
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const production = env.NODE_ENV === 'production';
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    appDatabaseUrl: env.CDP_APP_DATABASE_URL || undefined,
    port: int(env, 'PORT', 4000),
    host: env.HOST || '0.0.0.0',
    workers: workers(env),
    adminKey: adminKey(env.CDP_ADMIN_KEY),
    logLevel: env.LOG_LEVEL || (env.NODE_ENV === 'test' ? 'silent' : 'info'),
    production,
    introspection: bool(env, 'CDP_INTROSPECTION', !production),
    dataDir: path.resolve(env.CDP_DATA_DIR || '.data'),
    poolSize: int(env, 'CDP_POOL_SIZE', 10),
    poolAcquireTimeoutMs: int(env, 'CDP_POOL_ACQUIRE_TIMEOUT_MS', 3000),
    exposeStatementCount: bool(env, 'CDP_EXPOSE_SQL_COUNT', env.NODE_ENV === 'test'),
    jobs: bool(env, 'CDP_JOBS', true),
    intakeDrainers: int(env, 'CDP_INTAKE_DRAINERS', 2),
    metricsToken: env.CDP_METRICS_TOKEN || undefined,
    corsOrigins: origins(env.CDP_CORS_ORIGINS),
    limits: {
      maxDepth: int(env, 'CDP_MAX_DEPTH', 10),
      maxCost: int(env, 'CDP_MAX_COST', 5000),
      maxAliases: int(env, 'CDP_MAX_ALIASES', 15),
      maxTokens: int(env, 'CDP_MAX_TOKENS', 2000),
      maxDirectives: int(env, 'CDP_MAX_DIRECTIVES', 20),
      bodyBytes: env.CDP_MAX_BODY || '2mb',
      subscriptionsPerSocket: int(env, 'CDP_MAX_SUBSCRIPTIONS_PER_SOCKET', 20),
      maxPageSize: 500,
    },
  };
}
