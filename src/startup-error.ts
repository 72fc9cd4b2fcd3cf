import { AppError } from './errors';

/**
 * A reason the server or a command-line tool cannot start, with what to do about it. Start-up
 * ends by printing {@link explainStartupFailure}'s one line and exiting with 1.
 */
export class StartupError extends Error {
  constructor(cause: string, remedy?: string) {
    super(remedy ? `${cause}; ${remedy}` : cause);
    this.name = 'StartupError';
  }
}

/** Where the process was connecting when it failed, to name it (never its password). */
export interface StartupTarget {
  databaseUrl?: string;
  port?: number;
}

type Failure = Error & { code?: string; errno?: number; cause?: unknown };

/** One line naming why start failed and the remedy, for any error start-up can meet. */
export function explainStartupFailure(error: unknown, target: StartupTarget = {}): string {
  const failure = rootOf(error);
  if (failure instanceof StartupError || failure instanceof AppError) return failure.message;
  const message = oneLine(failure?.message ?? String(error));
  const code = failure?.code;
  const database = target.databaseUrl ? describeServer(target.databaseUrl) : 'the embedded PostgreSQL';
  const fixUrl = target.databaseUrl ? 'check DATABASE_URL, or unset it to run the embedded PostgreSQL' : 'see its server.log under CDP_DATA_DIR';
  switch (code) {
    case 'EADDRINUSE':
      return `port ${target.port ?? '?'} is already in use; stop the process that holds it or set PORT to another port`;
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ETIMEDOUT':
    case 'EAI_AGAIN':
      return `cannot reach ${database} (${code}); ${fixUrl}`;
    case '28P01':
    case '28000':
      return `${database} refused the login (${message}); fix the user and password in DATABASE_URL`;
    case '3D000':
      return `${database} has no such database (${message}); create it or fix the database name in DATABASE_URL`;
  }
  if (/timeout|terminated|ended unexpectedly/i.test(message)) return `cannot reach ${database} (${message}); ${fixUrl}`;
  return `${message}; run with LOG_LEVEL=debug for details`;
}

/** The error that names the cause: a StartupError wherever it sits, else the innermost one. */
function rootOf(error: unknown): Failure | undefined {
  let current = error as Failure | undefined;
  for (let depth = 0; current && depth < 5; depth++) {
    if (current instanceof StartupError || current.code) return current;
    if (!(current.cause instanceof Error)) break;
    current = current.cause as Failure;
  }
  return error instanceof Error ? (error as Failure) : undefined;
}

/** `host:port/database` of a URL, without its credentials. */
function describeServer(url: string): string {
  try {
    const parsed = new URL(url);
    return `PostgreSQL at ${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
  } catch {
    return 'the PostgreSQL of DATABASE_URL';
  }
}

export const oneLine = (text: string): string =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ')
    .slice(0, 500);
