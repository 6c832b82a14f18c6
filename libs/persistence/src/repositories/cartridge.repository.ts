import { In, type EntityManager } from 'typeorm';
import { BakedImageEntity } from '../entities/baked-image.entity';
import { CartridgeBundleEntity } from '../entities/cartridge-bundle.entity';
import type { TopologyEvent, TopologyEventType } from '@stratos/contracts';
import { CartridgeEntity } from '../entities/cartridge.entity';
import { appendCall } from './topology-event.repository';

export class CartridgeRepository {
  constructor(private readonly manager: EntityManager) {}

  private get repo() {
    return this.manager.getRepository(CartridgeEntity);
  }

  find(type: string): Promise<CartridgeEntity | null> {
    return this.repo.findOneBy({ type });
  }

  /** The cartridge and its bundle (without its content), in one query. */
  async findWithBundle(type: string): Promise<{ row: CartridgeEntity; bundle: CartridgeBundleEntity | null } | null> {
    const found = (await this.repo
      .createQueryBuilder('c')
      .leftJoinAndMapOne('c.bundle', CartridgeBundleEntity, 'b', 'b.cartridge_type = c.type')
      .where('c.type = :type', { type })
      .getOne()) as (CartridgeEntity & { bundle?: CartridgeBundleEntity | null }) | null;
    if (!found) return null;
    const { bundle, ...row } = found;
    return { row: row as CartridgeEntity, bundle: bundle ?? null };
  }

  /** Locks the row until the transaction ends, so that concurrent updates apply one after the other. */
  findForUpdate(type: string): Promise<CartridgeEntity | null> {
    return this.repo.createQueryBuilder('c').setLock('pessimistic_write').where('c.type = :type', { type }).getOne();
  }

  /**
   * Inserts unless the type exists, and appends the event that tells of it, in one statement (one
   * round trip, one commit: the hot path of `POST /api/cartridges`); null (nothing written) when
   * the type exists.
   */
  async insertIfAbsentWithEvent<T extends TopologyEventType>(row: CartridgeEntity, type: T, payload: TopologyEvent<T>['payload']): Promise<TopologyEvent<T> | null> {
    const call = appendCall(type, payload, 9);
    const appended = (await this.manager.query(
      `WITH inserted AS (
         INSERT INTO cartridges (type, category, definition, providers, generation, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (type) DO NOTHING RETURNING type)
       SELECT ${call.sql} AS revision FROM inserted`,
      [row.type, row.category, JSON.stringify(row.definition), JSON.stringify(row.providers), row.generation, row.createdBy, row.createdAt, row.updatedAt, ...call.params],
    )) as { revision: string }[];
    return appended.length > 0 ? call.event(appended[0].revision) : null;
  }

  async save(row: CartridgeEntity): Promise<void> {
    await this.repo.save(row);
  }

  async delete(type: string): Promise<boolean> {
    const result = await this.repo.delete({ type });
    return (result.affected ?? 0) > 0;
  }

  async list(options: { category?: string; limit: number; offset: number }): Promise<{ items: CartridgeEntity[]; total: number }> {
    const [items, total] = await this.repo.findAndCount({
      where: options.category ? { category: options.category } : {},
      order: { type: 'ASC' },
      take: options.limit,
      skip: options.offset,
    });
    return { items, total };
  }

  count(): Promise<number> {
    return this.repo.count();
  }

  /** The bundles of these cartridges (without their content), by type. */
  async bundles(types: string[]): Promise<Map<string, CartridgeBundleEntity>> {
    if (types.length === 0) return new Map();
    const rows = await this.manager.getRepository(CartridgeBundleEntity).findBy({ cartridgeType: In(types) });
    return new Map(rows.map((r) => [r.cartridgeType, r]));
  }

  /** The bundle with its archive, or null. */
  bundleWithContent(type: string): Promise<CartridgeBundleEntity | null> {
    return this.manager.getRepository(CartridgeBundleEntity).createQueryBuilder('b').addSelect('b.content').where('b.cartridge_type = :type', { type }).getOne();
  }

  async saveBundle(row: CartridgeBundleEntity): Promise<void> {
    await this.manager.getRepository(CartridgeBundleEntity).upsert(row, ['cartridgeType']);
  }

  async deleteBundle(type: string): Promise<boolean> {
    const result = await this.manager.getRepository(CartridgeBundleEntity).delete({ cartridgeType: type });
    return (result.affected ?? 0) > 0;
  }

  /** The baked images of these cartridges, by type. */
  async bakedImages(types?: string[]): Promise<Map<string, BakedImageEntity>> {
    const rows = await this.manager.getRepository(BakedImageEntity).find({ where: types ? { cartridgeType: In(types) } : {}, order: { cartridgeType: 'ASC' } });
    return new Map(rows.map((r) => [r.cartridgeType, r]));
  }

  /** A new bake replaces the cartridge's last one. */
  async saveBakedImage(row: BakedImageEntity): Promise<void> {
    await this.manager.getRepository(BakedImageEntity).upsert(row, ['cartridgeType']);
  }

  async deleteBakedImage(type: string): Promise<boolean> {
    const result = await this.manager.getRepository(BakedImageEntity).delete({ cartridgeType: type });
    return (result.affected ?? 0) > 0;
  }
}
