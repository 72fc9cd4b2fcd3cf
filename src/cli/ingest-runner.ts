import { SingleBar, Presets } from 'cli-progress';
import type { MikroORM } from '@mikro-orm/postgresql';
import { forkForWorkspace } from '../context';
import { Workspace } from '../modules/workspace/workspace.entity';
import type { IngestEventInput } from '../modules/ingestion/ingestion.input';
import { ingest } from '../modules/ingestion/ingestion.service';
import { MAX_BATCH } from '../modules/ingestion/item-validation.service';
import { StartupError } from '../startup-error';

export interface RunSummary {
  items: number;
  accepted: number;
  duplicates: number;
  customersCreated: number;
  merges: number;
  errors: number;
  seconds: number;
}

/** The workspace a command works on: the given id, or the only one there is. */
export async function chooseWorkspace(orm: MikroORM, id: string | undefined): Promise<Workspace> {
  const all = await orm.em.fork().find(Workspace, id ? { id } : {}, { limit: 2 });
  if (id && all.length === 0) throw new StartupError(`no workspace ${id}`, 'pass the id of an existing workspace');
  if (!id && all.length === 0) throw new StartupError('no workspace yet', 'run `npm run cdp -- workspace create NAME` first');
  if (!id && all.length > 1) throw new StartupError('there are several workspaces', 'pass --workspace ID');
  return all[0];
}

/**
 * Feeds items to the ingestion service in batches, with a progress bar (rate, errors) on stderr.
 * `onError` hears each failed item with the caller's own label for it (a line number, say).
 */
export async function runIngest<L>(
  orm: MikroORM,
  workspace: Workspace,
  items: AsyncIterable<{ item: IngestEventInput; label: L }> | Iterable<{ item: IngestEventInput; label: L }>,
  total: number | undefined,
  onError: (label: L, code: string, message: string) => void,
): Promise<RunSummary> {
  const summary: RunSummary = { items: 0, accepted: 0, duplicates: 0, customersCreated: 0, merges: 0, errors: 0, seconds: 0 };
  const bar = new SingleBar(
    { format: ' {bar} {value}/{total} items | {rate}/s | {errors} errors | {eta_formatted} left', etaBuffer: 20, stream: process.stderr },
    Presets.shades_classic,
  );
  bar.start(total ?? 0, 0, { rate: 0, errors: 0 });
  const started = Date.now();
  let batch: { item: IngestEventInput; label: L }[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const em = forkForWorkspace(orm, workspace.id);
    const result = await ingest(
      em,
      { workspaceId: workspace.id, settings: workspace.settings, now: new Date(), actorKeyId: null },
      batch.map((entry) => entry.item),
    );
    for (const error of result.errors) onError(batch[error.index].label, error.code, error.message);
    summary.items += batch.length;
    summary.accepted += result.accepted;
    summary.duplicates += result.duplicates;
    summary.customersCreated += result.customersCreated;
    summary.merges += result.merges;
    summary.errors += result.errors.length;
    const seconds = (Date.now() - started) / 1000;
    if (!total) bar.setTotal(summary.items);
    bar.update(summary.items, { rate: Math.round(summary.items / Math.max(seconds, 0.001)), errors: summary.errors });
    batch = [];
  };
  for await (const entry of items) {
    batch.push(entry);
    if (batch.length >= MAX_BATCH) await flush();
  }
  await flush();
  bar.stop();
  summary.seconds = (Date.now() - started) / 1000;
  return summary;
}
