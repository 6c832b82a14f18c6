import type { EntityManager } from 'typeorm';
import type { DefinitionKindName, DefinitionOf, ReferencedKind } from '@stratos/contracts';
import { DefinitionEntity } from '../entities/definition.entity';

/** Serializes writes of definitions and cartridge removals, so a reference checked stays true until commit. */
const REFERENCES_LOCK = 0x5747a702;

/** The one place a stored jsonb document becomes its kind's type: it passed that kind's schema before it was written. */
function documentOf<K extends DefinitionKindName>(row: DefinitionEntity): DefinitionOf[K] {
  return row.definition as DefinitionOf[K]; // the row's kind is K: the union narrows to it
}

export class DefinitionRepository {
  constructor(private readonly manager: EntityManager) {}

  private get repo() {
    return this.manager.getRepository(DefinitionEntity);
  }

  /** Call first in a transaction that checks or breaks references. */
  async lockReferences(): Promise<void> {
    await this.manager.query('SELECT pg_advisory_xact_lock($1)', [REFERENCES_LOCK]);
  }

  find(kind: DefinitionKindName, id: string): Promise<DefinitionEntity | null> {
    return this.repo.findOneBy({ kind, id });
  }

  /** A definition's document, typed by its kind (stored only after its kind's schema passed). */
  async findDocument<K extends DefinitionKindName>(kind: K, id: string): Promise<DefinitionOf[K] | null> {
    const row = await this.find(kind, id);
    return row ? documentOf<K>(row) : null;
  }

  /** The documents of one kind by id, typed; ids that do not exist are absent. */
  async findDocuments<K extends DefinitionKindName>(kind: K, ids: Iterable<string>): Promise<Map<string, DefinitionOf[K]>> {
    const rows = await this.findMany([...ids].map((id) => ({ kind, id })));
    return new Map(rows.map((row) => [row.id, documentOf<K>(row)]));
  }

  async findMany(keys: { kind: DefinitionKindName; id: string }[]): Promise<DefinitionEntity[]> {
    if (keys.length === 0) return [];
    return this.repo
      .createQueryBuilder('d')
      .where('(d.kind, d.id) IN (SELECT * FROM unnest(:kinds::text[], :ids::text[]))', { kinds: keys.map((k) => k.kind), ids: keys.map((k) => k.id) })
      .getMany();
  }

  async insertIfAbsent(row: DefinitionEntity): Promise<boolean> {
    // TypeORM types jsonb columns of Record type as unassignable; the row is an entity as it is.
    const result = await this.repo.createQueryBuilder().insert().into(DefinitionEntity).values(row as never).orIgnore().returning(['id']).execute();
    return (result.raw as unknown[]).length > 0;
  }

  async save(row: DefinitionEntity): Promise<void> {
    await this.repo.save(row);
  }

  async delete(kind: DefinitionKindName, id: string): Promise<boolean> {
    const result = await this.repo.delete({ kind, id });
    return (result.affected ?? 0) > 0;
  }

  /** The definitions that point at (kind, id). */
  async referrers(kind: ReferencedKind, id: string): Promise<{ kind: DefinitionKindName; id: string }[]> {
    return (await this.manager.query(`SELECT kind, id FROM definitions WHERE refs @> $1::jsonb ORDER BY kind, id`, [JSON.stringify([{ kind, id }])])) as {
      kind: DefinitionKindName;
      id: string;
    }[];
  }

  async list(kind: DefinitionKindName, options: { limit: number; offset: number }): Promise<{ items: DefinitionEntity[]; total: number }> {
    const [items, total] = await this.repo.findAndCount({ where: { kind }, order: { id: 'ASC' }, take: options.limit, skip: options.offset });
    return { items, total };
  }

  count(): Promise<number> {
    return this.repo.count();
  }
}
