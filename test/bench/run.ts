/**
 * `npm run bench`: the platform's figures beside their baselines from the same run.
 * BENCH_REQUESTS sets the requests per row (default 2000); MQTT_URL benches an external broker; BENCH_CHILD_ENV (a JSON object) gives the API row's manager and controller more settings;
 * BENCH_ONLY=api|deploy|docker|swarm|failover|templating|members|bake|idle|agents|console|signups|artifacts|migration|live-migration|elastic runs one (BENCH_ARTIFACT_MB, 100, sizes the artifacts row; BENCH_MIGRATION_MB, 50, the migration row; BENCH_LIVE_RATE, 200, the live migration's requests/s); BENCH_SIGNUPS (100) sizes the sign-ups row; BENCH_IDLE_MEMBERS (100) and
 * BENCH_IDLE_WINDOW_S (30) size the idle-cost row (BENCH_PROFILE=FILE: a CPU profile of its window with members; for the agents rows BENCH_PROFILE=DIR gets the controller's whole run); BENCH_AGENTS (1000,10000) and BENCH_AGENTS_WINDOW_S (30)
 * the agents rows (Mosquitto with dynamic security is needed: apt-get install -y mosquitto).
 */
import 'reflect-metadata';
import { benchBake } from './bake.bench';
import { benchCartridgeApi } from './cartridge-api.bench';
import { benchDeploy } from './deploy.bench';
import { benchDockerDeploy } from './docker-deploy.bench';
import { benchSwarmDeploy } from './swarm-deploy.bench';
import { benchFailover } from './failover.bench';
import { benchMemberConfig } from './member-config.bench';
import { benchTemplating } from './templating.bench';
import { benchIdle } from './idle.bench';
import { benchAgents } from './agents.bench';
import { benchConsole } from './console.bench';
import { benchSignUps } from './signup.bench';
import { benchArtifacts } from './artifacts.bench';
import { benchMigration } from './migration.bench';
import { benchLiveMigration } from './live-migration.bench';
import { benchElastic } from './elastic.bench';

async function main(): Promise<void> {
  const requests = Number(process.env.BENCH_REQUESTS ?? 2000);
  process.stdout.write(`bench on ${process.version}, ${(await import('node:os')).cpus().length} cores\n\n`);
  const only = process.env.BENCH_ONLY;
  if (!only || only === 'api') process.stdout.write(`${await benchCartridgeApi({ requests, mqttUrl: process.env.MQTT_URL || undefined, label: process.env.MQTT_URL ? 'MQTT_URL' : undefined })}\n\n`);
  if (!only || only === 'deploy') process.stdout.write(`${await benchDeploy([10, 50])}\n\n`);
  if (!only || only === 'docker') process.stdout.write(`${await benchDockerDeploy([10, 50])}\n\n`);
  if (!only || only === 'swarm') process.stdout.write(`${await benchSwarmDeploy([10, 50])}\n\n`);
  if (!only || only === 'failover') process.stdout.write(`${await benchFailover(10)}\n\n`);
  if (!only || only === 'members') process.stdout.write(`${await benchMemberConfig()}\n\n`);
  if (!only || only === 'bake') process.stdout.write(`${await benchBake()}\n\n`);
  if (!only || only === 'idle') process.stdout.write(`${await benchIdle()}\n\n`);
  if (!only || only === 'agents') process.stdout.write(`${await benchAgents()}\n\n`);
  if (!only || only === 'console') process.stdout.write(`${await benchConsole()}\n\n`);
  if (!only || only === 'signups') process.stdout.write(`${await benchSignUps()}\n\n`);
  if (!only || only === 'artifacts') process.stdout.write(`${await benchArtifacts()}\n\n`);
  if (!only || only === 'migration') process.stdout.write(`${await benchMigration()}\n\n`);
  if (!only || only === 'live-migration') process.stdout.write(`${await benchLiveMigration()}\n\n`);
  if (!only || only === 'elastic') process.stdout.write(`${await benchElastic()}\n\n`);
  if (!only || only === 'templating') process.stdout.write(`${benchTemplating()}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
