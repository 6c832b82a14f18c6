#!/usr/bin/env node
/**
 * `stratos`: a thin client of the REST API. Exit codes: 0 ok, 1 error, 2 usage.
 * Errors print as `path: message`.
 */
import { Command, CommanderError } from 'commander';
import { ApiError } from './api-client';
import { registerAudit } from './commands/audit.command';
import { registerBackup } from './commands/backup.command';
import { registerPrune } from './commands/prune.command';
import { registerStack } from './commands/stack.command';
import { registerSecrets } from './commands/secrets.command';
import { registerCartridges } from './commands/cartridge.command';
import { registerApplicationRuntime } from './commands/application-runtime.command';
import { registerDefinitions } from './commands/definition.command';
import { registerImport } from './commands/import.command';
import { registerLogin } from './commands/login.command';
import { registerImage } from './commands/image.command';
import { registerMember } from './commands/member.command';
import { registerMetadata } from './commands/metadata.command';
import { registerTemplate } from './commands/template.command';
import { registerTenants, registerUsers } from './commands/tenant.command';
import { registerDomainMappings, registerSignUps } from './commands/signup.command';
import { registerTopology } from './commands/topology.command';
import { FileError, UsageError, type GlobalOptions } from './context';
import { registerRegions } from './commands/region.command';
import { registerPartitions } from './commands/partition.command';
import { registerArtifacts } from './commands/artifact.command';
import { err, printIssues } from './output';

const program = new Command('stratos')
  .description('Stratos cartridge orchestrator: cartridges, policies, groups, applications, topology, metadata, tenants and users, Stratos imports')
  .version('0.1.0')
  .option('--url <url>', 'API base URL (default: STRATOS_URL, then the saved login, then https://127.0.0.1:9443)')
  .option('--token <token>', 'bearer token (default: STRATOS_TOKEN, then the saved login)')
  .showHelpAfterError('(stratos --help lists the commands)')
  .exitOverride();
const globals = () => program.opts<GlobalOptions>();
for (const command of [registerLogin, registerCartridges, registerDefinitions, registerApplicationRuntime, registerSignUps, registerDomainMappings, registerTopology, registerMember, registerImage, registerMetadata, registerImport, registerTenants, registerUsers, registerAudit, registerSecrets, registerRegions, registerPartitions, registerArtifacts]) command(program, globals);
registerTemplate(program);
registerBackup(program);
registerPrune(program);
registerStack(program);
// Stratos 4.1's command names keep working, listed apart from the project's own.
for (const command of program.commands) if (command.description().startsWith('Stratos alias')) command.helpGroup("Stratos 4.1's command names:");
program.commands.forEach(function exitOverride(c: Command) {
  c.exitOverride();
  c.commands.forEach(exitOverride);
});

/** Exits once stdout and stderr are flushed: a large `-o json` into a pipe must arrive whole. */
function exit(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

/** Stratos's CLI had two-letter short options (-ap, -pr), which commander has not: read as their long forms. */
const STRATOS_SHORT_OPTIONS: Record<string, string> = { '-ap': '--application-policy', '-pr': '--profile-name' };
const argv = process.argv.map((arg, i) => (i > 1 && STRATOS_SHORT_OPTIONS[arg]) || arg);

program.parseAsync(argv).then(
  () => exit(Number(process.exitCode ?? 0)),
  (error: unknown) => {
    if (error instanceof CommanderError) {
      const helpOrVersion = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code);
      return exit(helpOrVersion ? 0 : 2);
    }
    if (error instanceof UsageError) {
      err(`usage: ${error.message}`);
      return exit(2);
    }
    if (error instanceof ApiError) {
      err(`error: ${error.message}`);
      printIssues('error', error.errors);
      return exit(1);
    }
    if (error instanceof FileError) {
      err(`error: ${error.message}`);
      return exit(1);
    }
    err(`error: ${(error as Error)?.message ?? String(error)}`);
    exit(1);
  },
);
