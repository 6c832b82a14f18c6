import type { EntityManager } from 'typeorm';
import type { ArtifactRegionView, ArtifactVersionView } from '@stratos/contracts';

/** A region's copy of an artifact version, as stored (artifact_versions.regions[region]). */
export type StoredArtifactRegion = Omit<ArtifactRegionView, 'region'>;

export type StoredArtifactVersion = Omit<ArtifactVersionView, 'createdAt' | 'regions'> & { createdAt: Date; regions: Record<string, StoredArtifactRegion> };

interface Row {
  name: string;
  version: string;
  provider: StoredArtifactVersion['provider'];
  image: string;
  source_region: string;
  image_id: string;
  size_bytes: string;
  created_by: string;
  created_at: Date;
  regions: Record<string, StoredArtifactRegion>;
}

const fromRow = (r: Row): StoredArtifactVersion => ({
  name: r.name,
  version: r.version,
  provider: r.provider,
  image: r.image,
  sourceRegion: r.source_region,
  imageId: r.image_id,
  sizeBytes: Number(r.size_bytes),
  createdBy: r.created_by,
  createdAt: r.created_at,
  regions: r.regions,
});

/** Image artifacts' versions; a region's state is changed alone (one jsonb key), so that regions copying in parallel never overwrite each other. */
export class ArtifactRepository {
  constructor(private readonly manager: EntityManager) {}

  async list(name?: string): Promise<StoredArtifactVersion[]> {
    const rows = (await this.manager.query(`SELECT * FROM artifact_versions ${name === undefined ? '' : 'WHERE name = $1'} ORDER BY name, created_at, version`, name === undefined ? [] : [name])) as Row[];
    return rows.map(fromRow);
  }

  async find(name: string, version: string): Promise<StoredArtifactVersion | null> {
    const rows = (await this.manager.query(`SELECT * FROM artifact_versions WHERE name = $1 AND version = $2`, [name, version])) as Row[];
    return rows[0] ? fromRow(rows[0]) : null;
  }

  /** False when the version exists already. */
  async insert(version: StoredArtifactVersion): Promise<boolean> {
    const rows = (await this.manager.query(
      `INSERT INTO artifact_versions (name, version, image, source_region, image_id, size_bytes, created_by, created_at, regions, provider)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10) ON CONFLICT DO NOTHING RETURNING name`,
      [version.name, version.version, version.image, version.sourceRegion, version.imageId, version.sizeBytes, version.createdBy, version.createdAt, JSON.stringify(version.regions), version.provider],
    )) as unknown[];
    return rows.length === 1;
  }

  async setRegion(name: string, version: string, region: string, value: StoredArtifactRegion): Promise<void> {
    await this.manager.query(`UPDATE artifact_versions SET regions = jsonb_set(regions, ARRAY[$3::text], $4::jsonb) WHERE name = $1 AND version = $2`, [name, version, region, JSON.stringify(value)]);
  }

  async removeRegion(name: string, version: string, region: string): Promise<void> {
    await this.manager.query(`UPDATE artifact_versions SET regions = regions - $3::text WHERE name = $1 AND version = $2`, [name, version, region]);
  }

  async delete(name: string, version: string): Promise<boolean> {
    const rows = (await this.manager.query(`DELETE FROM artifact_versions WHERE name = $1 AND version = $2 RETURNING name`, [name, version])) as unknown[];
    return rows.length === 1;
  }

  /** The deployments whose clusters run this version (their placements name it). */
  async deploymentsUsing(name: string, version: string): Promise<string[]> {
    const rows = (await this.manager.query(`SELECT DISTINCT application_id FROM clusters WHERE spec->'placements' @> $1::jsonb ORDER BY application_id`, [JSON.stringify([{ artifact: { name, version } }])])) as { application_id: string }[];
    return rows.map((r) => r.application_id);
  }

  /** Versions with a region still Pending or Copying (a controller stopped in the middle): theirs to resume. */
  async unfinished(): Promise<StoredArtifactVersion[]> {
    const rows = (await this.manager.query(`SELECT * FROM artifact_versions WHERE EXISTS (SELECT 1 FROM jsonb_each(regions) r WHERE r.value->>'state' IN ('Pending', 'Copying'))`)) as Row[];
    return rows.map(fromRow);
  }
}
