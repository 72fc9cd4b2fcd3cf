import type { ApolloServerPlugin } from '@apollo/server';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one server, served on GET /metrics. */
export class Metrics {
  readonly registry = new Registry();

  readonly operations = new Counter({
    name: 'cdp_graphql_operations_total',
    help: 'GraphQL operations by name, type and outcome',
    labelNames: ['operation', 'type', 'outcome'],
    registers: [this.registry],
  });

  readonly duration = new Histogram({
    name: 'cdp_graphql_operation_duration_seconds',
    help: 'GraphQL operation duration by name and type',
    labelNames: ['operation', 'type'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly errors = new Counter({
    name: 'cdp_graphql_errors_total',
    help: 'GraphQL errors by extensions.code',
    labelNames: ['code'],
    registers: [this.registry],
  });

  readonly webSockets = new Gauge({ name: 'cdp_websocket_connections', help: 'Open WebSocket connections', registers: [this.registry] });

  readonly subscriptions = new Gauge({ name: 'cdp_websocket_subscriptions', help: 'Active subscriptions', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'cdp_' });
  }

  /** Counts and times every HTTP GraphQL request, and counts its errors by code (one hook per request). */
  plugin(): ApolloServerPlugin {
    const plugin: ApolloServerPlugin = {
      requestDidStart: async () => {
        const started = performance.now();
        return {
          willSendResponse: async ({ operationName, operation, response }) => {
            const labels = { operation: label(operationName), type: operation?.operation ?? 'unknown' };
            const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
            for (const error of errors ?? []) this.errors.inc({ code: String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR') });
            this.duration.observe(labels, (performance.now() - started) / 1000);
            this.operations.inc({ ...labels, outcome: errors?.length ? 'error' : 'ok' });
          },
        };
      },
      contextCreationDidFail: async ({ error }) => {
        this.errors.inc({ code: String((error as { extensions?: { code?: string } }).extensions?.code ?? 'INTERNAL_SERVER_ERROR') });
      },
    };
    return plugin;
  }
}

/** Operation names come from clients: keep the label set bounded and printable. */
const label = (name: string | null | undefined): string => (name ? name.replace(/[^\w]/g, '_').slice(0, 64) : 'anonymous');
