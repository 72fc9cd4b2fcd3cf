import { createHash } from 'node:crypto';
import type { StoredVariant } from './experiment.entity';

/**
 * The variant a customer gets in an experiment: a hash of the two ids placed on the variants'
 * weights laid end to end, so the same customer gets the same variant every time, with no stored
 * randomness, and the shares follow the weights.
 */
export function variantFor(experimentId: string, customerId: string, variants: readonly StoredVariant[]): StoredVariant {
  const point = createHash('sha256').update(`${experimentId}:${customerId}`).digest().readUInt32BE(0) / 2 ** 32;
  const total = variants.reduce((sum, variant) => sum + variant.weight, 0);
  let reached = 0;
  for (const variant of variants) {
    reached += variant.weight / total;
    if (point < reached) return variant;
  }
  return variants[variants.length - 1];
}
