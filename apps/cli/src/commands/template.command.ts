/**
 * `stratos template render --confdir DIR --keys keys.json`: renders every resource of a
 * confdir (conf.d/*.toml + templates/) from a JSON key file, as a member's agent will, for
 * DevOps trying their confd templates before deploying them. --dry-run prints a unified diff
 * of what would change in each destination and touches nothing.
 */
import type { Command } from 'commander';
import { createTwoFilesPatch } from 'diff';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DIALECTS, loadConfdir, syncResource, type Dialect } from '@stratos/templating';
import { FileError, readJsonFile, UsageError } from '../context';
import { err, out } from '../output';

function flatKeys(value: unknown, file: string): Record<string, string> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new FileError(`${file}: must be a JSON object of "/key": "value"`);
  const keys: Record<string, string> = {};
  const walk = (node: unknown, path: string) => {
    if (node && typeof node === 'object' && !Array.isArray(node)) for (const [k, v] of Object.entries(node)) walk(v, k.startsWith('/') ? `${path}${k}` : `${path}/${k}`);
    else keys[path] = typeof node === 'string' ? node : JSON.stringify(node);
  };
  walk(value, '');
  return keys;
}

export function registerTemplate(program: Command): void {
  const template = program.command('template').description('confd templates, offline');
  template
    .command('render')
    .description('Render every resource of a confdir from a JSON key file; --dry-run shows the diff and writes nothing')
    .requiredOption('--confdir <dir>', 'a folder with conf.d/*.toml and templates/')
    .requiredOption('--keys <file>', 'JSON: {"/key": "value"} (or nested objects)')
    .option('--env <file>', 'JSON: environment variables getenv sees (default: this process\'s)')
    .option('--dialect <dialect>', `${DIALECTS.join(' | ')}`, 'confd')
    .option('--dry-run', 'print what would change, write nothing')
    .option('--timeout <seconds>', 'for check_cmd and reload_cmd', '60')
    .action(async (options: { confdir: string; keys: string; env?: string; dialect: string; dryRun?: boolean; timeout: string }) => {
      if (!DIALECTS.includes(options.dialect as Dialect)) throw new UsageError(`--dialect must be one of ${DIALECTS.join(', ')}, not "${options.dialect}"`);
      if (!existsSync(options.confdir)) throw new UsageError(`${options.confdir} does not exist`);
      const keys = flatKeys(readJsonFile(options.keys), options.keys);
      const env = options.env ? (readJsonFile(options.env) as Record<string, string>) : process.env;
      let failures = 0;
      let resources;
      try {
        resources = loadConfdir(options.confdir);
      } catch (error) {
        throw new FileError((error as Error).message);
      }
      for (const resource of resources) {
        try {
          const result = await syncResource(resource, { templatesDir: join(options.confdir, 'templates'), keys, env, dialect: options.dialect as Dialect, dryRun: options.dryRun, commandTimeoutMs: Number(options.timeout) * 1000 });
          const name = resource.file.slice(options.confdir.length).replace(/^\/+/, '');
          if (!result.changed) {
            err(`${name}: ${resource.dest} is up to date`);
            continue;
          }
          if (options.dryRun) {
            out(createTwoFilesPatch(result.previous === null ? '/dev/null' : resource.dest, resource.dest, result.previous ?? '', result.rendered, '', '', { context: 3 }).replace(/^=+\n/, ''));
            err(`${name}: ${resource.dest} would change (dry run: nothing written)`);
          } else {
            err(`${name}: ${resource.dest} updated${result.reloaded ? ', reload_cmd ran' : ''}`);
          }
        } catch (error) {
          failures++;
          err(`error: ${(error as Error).message}`);
        }
      }
      if (failures > 0) throw new FileError(`${failures} of ${resources.length} resource(s) failed`);
    });
}
