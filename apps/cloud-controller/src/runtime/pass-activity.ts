/**
 * What the running reconcile pass is doing, for the line a slow pass logs: a deploy of thousands
 * of members keeps one pass busy for minutes, and "still running" alone reads like a hang.
 */
export class PassActivity {
  private startedAt = 0;
  private application: string | null = null;
  private applications = 0;
  private launched = 0;
  private failed = 0;

  start(now: number): void {
    this.startedAt = now;
    this.application = null;
    this.applications = 0;
    this.launched = 0;
    this.failed = 0;
  }

  reconciling(applicationId: string): void {
    this.application = applicationId;
    this.applications += 1;
  }

  memberLaunched(): void {
    this.launched += 1;
  }

  launchFailed(): void {
    this.failed += 1;
  }

  /** The slow pass's log line at `now`. */
  describe(now: number): string {
    const seconds = Math.round((now - this.startedAt) / 1000);
    const where = this.application === null ? 'listing what runs' : `at application ${this.application} (${this.applications} reconciled or in hand)`;
    const launches = `${this.launched} member${this.launched === 1 ? '' : 's'} launched${this.failed > 0 ? `, ${this.failed} launch${this.failed === 1 ? '' : 'es'} failed` : ''} in it so far`;
    return `a reconcile pass has been running for ${seconds} s, ${where}: ${launches}`;
  }
}
