/**
 * Cartridges as the API shows them, read straight from PostgreSQL: by the controller (which owns
 * the writes) and by the manager, which answers reads without a round trip through the broker —
 * a read needs no controller, and costs one query per table instead of two MQTT hops more.
 */
import { cartridgeSchema, redact, type CartridgeListRequest, type CartridgeListResult, type CartridgeView } from '@stratos/contracts';
import type { CartridgeBundleEntity } from '../entities/cartridge-bundle.entity';
import type { CartridgeEntity } from '../entities/cartridge.entity';
import type { CartridgeRepository } from '../repositories/cartridge.repository';

/** A stored cartridge as the API shows it: its sealed fields `******`, its status beside it. */
export function toCartridgeView(row: CartridgeEntity, bundle: CartridgeBundleEntity | null | undefined): CartridgeView {
  return {
    ...redact(cartridgeSchema, row.definition),
    status: {
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
      generation: row.generation,
      providers: row.providers,
      bundle: bundle ? { sha256: bundle.sha256, size: bundle.size, files: bundle.files, uploadedAt: bundle.uploadedAt.toISOString() } : null,
    },
  };
}

/** One cartridge, or null. */
export async function readCartridge(cartridges: CartridgeRepository, type: string): Promise<CartridgeView | null> {
  const found = await cartridges.findWithBundle(type);
  return found ? toCartridgeView(found.row, found.bundle) : null;
}

/** A page of cartridges, by type, with how many there are in all. */
export async function readCartridges(cartridges: CartridgeRepository, request: CartridgeListRequest): Promise<CartridgeListResult> {
  const { items, total } = await cartridges.listWithBundles(request);
  return { items: items.map(({ row, bundle }) => toCartridgeView(row, bundle)), total };
}
