import path from 'node:path';

/** Typed, validated configuration, read once from the environment. */
export interface Config {
  /** Connection string of an external PostgreSQL; undefined runs the embedded one under `dataDir`. */
  databaseUrl?: string;
  port: number;
  host: string;
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
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
};

const bool = (env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!['true', 'false', '1', '0'].includes(raw)) throw new Error(`${name} must be true or false, got "${raw}"`);
  return raw === 'true' || raw === '1';
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const production = env.NODE_ENV === 'production';
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    port: int(env, 'PORT', 4000),
    host: env.HOST || '0.0.0.0',
    adminKey: env.CDP_ADMIN_KEY || undefined,
    logLevel: env.LOG_LEVEL || (env.NODE_ENV === 'test' ? 'silent' : 'info'),
    production,
    introspection: bool(env, 'CDP_INTROSPECTION', !production),
    dataDir: path.resolve(env.CDP_DATA_DIR || '.data'),
    poolSize: int(env, 'CDP_POOL_SIZE', 10),
    poolAcquireTimeoutMs: int(env, 'CDP_POOL_ACQUIRE_TIMEOUT_MS', 3000),
    exposeStatementCount: bool(env, 'CDP_EXPOSE_SQL_COUNT', env.NODE_ENV === 'test'),
    jobs: bool(env, 'CDP_JOBS', true),
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
