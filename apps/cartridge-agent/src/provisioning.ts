/**
 * A generic image's provisioning: the bundle's provision/ steps, run in name order before the
 * config is rendered and the workload starts (the Puppet/Chef role of Stratos's design, from
 * files the bundle or the image holds, never from the network). Each step is reported with its
 * duration; the first that fails fails the member, with its output's tail.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export class ProvisioningError extends Error {}

const tail = (text: string, max = 1500) => (text.length > max ? `…${text.slice(-max)}` : text);

function runStep(path: string, options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    // Executable steps run as they are (their #! line decides); others are shell scripts.
    const executable = (statSync(path).mode & 0o111) !== 0;
    const child = spawn(executable ? path : '/bin/sh', executable ? [] : [path], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output = tail(output + c.toString(), 8192)));
    child.stderr.on('data', (c: Buffer) => (output = tail(output + c.toString(), 8192)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, output: error.message, timedOut: false });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: output.trim(), timedOut });
    });
  });
}

/** Runs every step of `dir` (regular files, name order); resolves with each step's name and duration. */
export async function provision(options: { dir: string; cwd: string; env: NodeJS.ProcessEnv; stepTimeoutMs: number; onStep(step: string, ms: number): void }): Promise<number> {
  if (!existsSync(options.dir)) return 0;
  const steps = readdirSync(options.dir)
    .filter((name) => !name.startsWith('.') && statSync(join(options.dir, name)).isFile())
    .sort();
  for (const step of steps) {
    const started = Date.now();
    const result = await runStep(join(options.dir, step), { cwd: options.cwd, env: options.env, timeoutMs: options.stepTimeoutMs });
    const ms = Date.now() - started;
    if (result.timedOut) throw new ProvisioningError(`step ${step} did not finish within ${options.stepTimeoutMs / 1000} s${result.output ? `: ${tail(result.output)}` : ''}`);
    if (result.code !== 0) throw new ProvisioningError(`step ${step} failed (exit ${result.code}) after ${ms} ms${result.output ? `: ${tail(result.output)}` : ''}`);
    options.onStep(step, ms);
  }
  return steps.length;
}
