import type { EntityManager } from 'typeorm';
import { LeadershipLostError } from '../leadership';

export class LeadershipRepository {
  constructor(private readonly manager: EntityManager) {}

  /**
   * Inside the transaction of a write only the leader makes: refuses it unless `term` is still
   * the current one. The row stays share-locked until the transaction ends, so a new leader's
   * term begins after it, never in the middle.
   */
  async fence(term: number): Promise<void> {
    const rows = (await this.manager.query('SELECT 1 FROM controller_leadership WHERE id = 1 AND term = $1 FOR SHARE', [term])) as unknown[];
    if (rows.length === 0) throw new LeadershipLostError(term);
  }
}
