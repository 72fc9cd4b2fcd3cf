/** Stops the PostgreSQL servers global-setup started. */
export default async function globalTeardown(): Promise<void> {
  for (const server of globalThis.__CDP_TEST_PG__ ?? []) await server.stop();
}
