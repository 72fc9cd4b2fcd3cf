/** What a customer row that is no longer live has set: merged into another, or erased. */
const GONE = ['merged_into_id', 'erased_at'] as const;

/** A live customer (neither merged nor erased), as SQL on `customer` or the alias given. {@link isLiveRow} is the same rule in TypeScript. */
export const liveCustomerSql = (alias?: string): string => GONE.map((column) => `${alias ? `${alias}.` : ''}${column} is null`).join(' and ');

/** A live customer, on a row read from `customer`. */
export const isLiveRow = (row: Record<(typeof GONE)[number], unknown>): boolean => GONE.every((column) => !row[column]);
