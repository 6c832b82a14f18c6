/**
 * Start commands of test workloads that load a member's CPU by a known share.
 *
 * The share counts user and system time, as the agent's load does: a loop that counted user time
 * alone called getrusage until it had spent 20 ms of user time, and on a VM where system calls
 * are dear that took most of a core in system time — a "20 %" member the autoscaler rightly
 * scaled up (CI, autoscaling.load.spec.ts: predicted 99.9 against a threshold of 90).
 */

/**
 * `exec node -e …` spending `cpuMs` of CPU in every 100 ms (20: a fifth of a core). `unlessIdleFlag`:
 * not while the member's own /tmp/idle exists (STRATOS_ROOT: its `/`), so a test can quieten it.
 */
export function spinnerCommand(options: { cpuMs?: number; unlessIdleFlag?: boolean } = {}): string {
  const budget = (options.cpuMs ?? 20) * 1000;
  const idle = options.unlessIdleFlag ? 'const fs = require("fs"); const idle = (process.env.STRATOS_ROOT || "/").replace(/\\/$/, "") + "/tmp/idle"; ' : '';
  const skip = options.unlessIdleFlag ? 'if (fs.existsSync(idle)) return; ' : '';
  return `exec node -e '${idle}setInterval(() => { ${skip}const from = process.cpuUsage(); for (let c = process.cpuUsage(from); c.user + c.system < ${budget}; c = process.cpuUsage(from)); }, 100)'`;
}
