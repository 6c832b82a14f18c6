import type { EntityManager } from 'typeorm';

export class PlatformRepository {
  constructor(private readonly manager: EntityManager) {}

  /**
   * The platform's id: the one the database holds, or — the first time — `candidate`, adopted
   * (by one controller only, however many start at once).
   */
  async adoptId(candidate: string): Promise<string> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const rows = (await this.manager.query(
        `WITH adopted AS (INSERT INTO platform_identity (id, platform_id) VALUES (1, $1) ON CONFLICT (id) DO NOTHING RETURNING platform_id)
         SELECT platform_id FROM adopted UNION ALL SELECT platform_id FROM platform_identity WHERE id = 1`,
        [candidate],
      )) as { platform_id: string }[];
      // Empty only when another insert committed while this statement waited for it: its snapshot
      // predates that row. The next statement sees it.
      if (rows.length > 0) return rows[0].platform_id;
    }
    throw new Error('the platform id could not be read or adopted (platform_identity)');
  }

  /** The check value of the platform's secret key: the one recorded, or — the first time — `candidate`. */
  async adoptSecretKeyCheck(candidate: string): Promise<string> {
    const rows = (await this.manager.query(
      `WITH adopted AS (UPDATE platform_identity SET secret_key_check = COALESCE(secret_key_check, $1) WHERE id = 1 RETURNING secret_key_check)
       SELECT secret_key_check FROM adopted`,
      [candidate],
    )) as { secret_key_check: string }[];
    if (!rows[0]) throw new Error('the platform has no identity row yet (adoptId first)');
    return rows[0].secret_key_check;
  }
}
