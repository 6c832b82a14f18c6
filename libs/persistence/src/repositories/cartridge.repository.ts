import { In, type EntityManager } from 'typeorm';
import { BakedImageEntity } from '../entities/baked-image.entity';
import { CartridgeBundleEntity } from '../entities/cartridge-bundle.entity';
import type { TopologyEvent, TopologyEventType } from '@stratos/contracts';
import { CartridgeEntity } from '../entities/cartridge.entity';
import { GroupCommit, isRowError } from '../group-commit';
import { appendCall, TOPOLOGY_REVISION_LOCK } from './topology-event.repository';

/** A cartridge to create and the event that tells of it. */
export interface CartridgeCreate {
  row: CartridgeEntity;
  type: TopologyEventType;
  payload: TopologyEvent['payload'];
}

/** About what a create puts in the statement: its definition twice (the row and its event's view). */
function cartridgeCreateBytes(create: CartridgeCreate): number {
  return 2 * JSON.stringify(create.row.definition).length;
}

/** A cartridge and its bundle (without its content), as the API shows them. */
export interface CartridgeWithBundle {
  row: CartridgeEntity;
  bundle: CartridgeBundleEntity | null;
}

const WITH_BUNDLE_COLUMNS = `c.type, c.category, c.definition, c.providers, c.generation, c.created_by, c.created_at, c.updated_at,
  b.sha256, b.size, b.files, b.uploaded_by, b.uploaded_at`;
const WITH_BUNDLE_FROM = 'cartridges c LEFT JOIN cartridge_bundles b ON b.cartridge_type = c.type';

/** A row of WITH_BUNDLE_COLUMNS: the cartridge's columns, and its bundle's (null without one). */
interface CartridgeWithBundleRow {
  type: string;
  category: string;
  definition: CartridgeEntity['definition'];
  providers: CartridgeEntity['providers'];
  generation: number;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  sha256: string | null;
  size: number | null;
  files: number | null;
  uploaded_by: string | null;
  uploaded_at: Date | null;
}

function withBundleOf(found: CartridgeWithBundleRow): CartridgeWithBundle {
  const row = Object.assign(new CartridgeEntity(), {
    type: found.type,
    category: found.category,
    definition: found.definition,
    providers: found.providers,
    generation: found.generation,
    createdBy: found.created_by,
    createdAt: found.created_at,
    updatedAt: found.updated_at,
  });
  const bundle =
    found.sha256 === null
      ? null
      : Object.assign(new CartridgeBundleEntity(), { cartridgeType: found.type, sha256: found.sha256, size: found.size!, files: found.files!, uploadedBy: found.uploaded_by!, uploadedAt: found.uploaded_at! });
  return { row, bundle };
}

export class CartridgeRepository {
  /** Creates in group commits; only outside a transaction (a transaction's statements are its own). */
  private readonly creates: GroupCommit<CartridgeCreate, TopologyEvent | null> | null;

  constructor(private readonly manager: EntityManager) {
    this.creates = manager.queryRunner ? null : new GroupCommit((creates) => this.insertAllIfAbsentWithEvents(creates), { retryAlone: isRowError, weigh: cartridgeCreateBytes, maxWeight: 8 * 1024 * 1024 });
  }

  private get repo() {
    return this.manager.getRepository(CartridgeEntity);
  }

  find(type: string): Promise<CartridgeEntity | null> {
    return this.repo.findOneBy({ type });
  }

  /**
   * The cartridge and its bundle (without its content), in one query: plain SQL, since every
   * `GET /api/cartridges/{type}` asks (the query builder and its hydration were most of a read's cost).
   */
  async findWithBundle(type: string): Promise<CartridgeWithBundle | null> {
    const [found] = (await this.manager.query(`SELECT ${WITH_BUNDLE_COLUMNS} FROM ${WITH_BUNDLE_FROM} WHERE c.type = $1`, [type])) as CartridgeWithBundleRow[];
    return found ? withBundleOf(found) : null;
  }

  /** A page of cartridges by type, each with its bundle (without its content), and how many there are in all: one query. */
  async listWithBundles(options: { category?: string; limit: number; offset: number }): Promise<{ items: CartridgeWithBundle[]; total: number }> {
    const where = options.category === undefined ? '' : 'WHERE c.category = $3';
    const parameters: unknown[] = [options.limit, options.offset, ...(options.category === undefined ? [] : [options.category])];
    const rows = (await this.manager.query(
      `SELECT ${WITH_BUNDLE_COLUMNS}, count(*) OVER () AS total FROM ${WITH_BUNDLE_FROM} ${where} ORDER BY c.type LIMIT $1 OFFSET $2`,
      parameters,
    )) as (CartridgeWithBundleRow & { total: string })[];
    // Past the last page no row carries the count.
    const total = rows.length > 0 ? Number(rows[0].total) : options.offset === 0 ? 0 : await this.repo.countBy(options.category === undefined ? {} : { category: options.category });
    return { items: rows.map(withBundleOf), total };
  }

  /** Locks the row until the transaction ends, so that concurrent updates apply one after the other. */
  findForUpdate(type: string): Promise<CartridgeEntity | null> {
    return this.repo.createQueryBuilder('c').setLock('pessimistic_write').where('c.type = :type', { type }).getOne();
  }

  /**
   * Inserts unless the type exists, and appends the event that tells of it, in one statement (one
   * round trip, one commit: the hot path of `POST /api/cartridges`); null (nothing written) when
   * the type exists. Outside a transaction, creates that come together share one statement
   * (group commit: each would otherwise hold the revision lock through its own commit).
   */
  insertIfAbsentWithEvent<T extends TopologyEventType>(row: CartridgeEntity, type: T, payload: TopologyEvent<T>['payload']): Promise<TopologyEvent<T> | null> {
    const create: CartridgeCreate = { row, type, payload };
    return (this.creates ? this.creates.submit(create) : this.insertAllIfAbsentWithEvents([create]).then(([event]) => event)) as Promise<TopologyEvent<T> | null>;
  }

  /**
   * The creates in one statement, one result each in their order: its event, or null where the
   * type exists (or came earlier in the same list). The events' revisions follow the list's order.
   */
  async insertAllIfAbsentWithEvents(creates: CartridgeCreate[]): Promise<(TopologyEvent | null)[]> {
    const seen = new Set<string>();
    const written = creates.filter(({ row }) => !seen.has(row.type) && seen.add(row.type));
    const events = written.map(({ type, payload }) => appendCall(type, payload, 1));
    // One JSON array, not an array per column: pg writes an array parameter as a literal, escaping
    // every definition's characters again (measured: ≈2 % of the controller's work per create).
    const input = written.map(({ row, type, payload }, i) => ({
      type: row.type,
      category: row.category,
      definition: row.definition,
      providers: row.providers,
      generation: row.generation,
      created_by: row.createdBy,
      created_at: row.createdAt,
      updated_at: row.updatedAt,
      event_id: events[i].eventId,
      event_type: type,
      payload,
      event_at: events[i].timestamp,
    }));
    const revisions = (await this.manager.query(
      `WITH input AS MATERIALIZED (
         SELECT * FROM ROWS FROM (jsonb_to_recordset($2::jsonb) AS (type text, category text, definition jsonb, providers jsonb, generation int, created_by text,
             created_at timestamptz, updated_at timestamptz, event_id uuid, event_type text, payload jsonb, event_at timestamptz))
           WITH ORDINALITY AS t(type, category, definition, providers, generation, created_by, created_at, updated_at, event_id, event_type, payload, event_at, ord)),
       inserted AS (
         INSERT INTO cartridges (type, category, definition, providers, generation, created_by, created_at, updated_at)
         SELECT type, category, definition, providers, generation, created_by, created_at, updated_at FROM input ORDER BY ord
         ON CONFLICT (type) DO NOTHING RETURNING type)
       SELECT i.type, stratos_append_topology_event($1, i.event_id, i.event_type, i.payload, i.event_at) AS revision
         FROM input i JOIN inserted USING (type) ORDER BY i.ord`,
      [TOPOLOGY_REVISION_LOCK, JSON.stringify(input)],
    )) as { type: string; revision: string }[];
    const revisionOf = new Map(revisions.map((r) => [r.type, r.revision]));
    const eventOf = new Map(written.map((create, i) => [create, events[i]]));
    return creates.map((create) => {
      const revision = revisionOf.get(create.row.type);
      const event = eventOf.get(create);
      return event && revision !== undefined ? event.event(revision) : null;
    });
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
