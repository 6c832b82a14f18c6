/**
 * `stratos app signup|signups|unsignup`: tenants' sign-ups to multi-tenant applications, and
 * `stratos domain-mapping add|list|remove`: the tenants' domains; with Stratos's names for them
 * (add-application-signup -p FILE, describe-application-signup, remove-application-signup,
 * add-domain-mappings -p FILE, list-domain-mappings, remove-domain-mappings). A tenant's admin
 * acts for its own tenant; the platform admin names the tenant (--tenant).
 */
import type { Command } from 'commander';
import type { DomainMappingView, SignUpView, StratosMessage } from '@stratos/contracts';
import { ApiError } from '../api-client';
import { apiClient, outputFormat, readJsonFile, UsageError, type GlobalOptions } from '../context';
import { err, out, printData, printTable } from '../output';

interface SignUpOptions {
  file?: string;
  resourcePath?: string;
  repo?: string[];
  tenant?: string;
  wait?: boolean;
  timeout?: string;
  output?: string;
  json?: boolean;
}

const withOutput = (command: Command) => command.option('-o, --output <format>', 'table | json | yaml', 'table').option('--json', 'same as -o json');
const collect = (value: string, previous: string[] = []) => [...previous, value];

function printSignUps(signUps: SignUpView[], options: SignUpOptions): void {
  printData(outputFormat(options), signUps, () =>
    printTable(
      ['TENANT', 'ID', 'STATUS', 'PREPARED', 'REPOSITORIES', 'SINCE'],
      signUps.map((s) => [
        s.tenantDomain,
        s.tenantId,
        s.status,
        s.clusters.map((c) => `${c.alias} ${c.prepared}/${c.activeMembers}`).join(', '),
        s.artifactRepositories.map((r) => `${r.alias}=${r.repoUrl}`).join(', '),
        s.createdAt.slice(0, 19).replace('T', ' '),
      ]),
    ),
  );
}

export function registerSignUps(program: Command, globals: () => GlobalOptions): void {
  const api = () => apiClient(globals());
  const path = (id: string, tenant?: string) => `/applications/${encodeURIComponent(id)}/signup${tenant ? `/${encodeURIComponent(tenant)}` : ''}`;

  const signUp = async (id: string, o: SignUpOptions) => {
    const file = o.file ?? o.resourcePath;
    if (file && o.repo?.length) throw new UsageError('give the repositories in the file or with --repo, not both');
    const body = file
      ? readJsonFile(file)
      : {
          artifactRepositories: (o.repo ?? []).map((pair) => {
            const at = pair.indexOf('=');
            if (at < 1) throw new UsageError(`--repo takes ALIAS=URL (the cartridge alias whose members clone it), not "${pair}"`);
            return { alias: pair.slice(0, at), repoUrl: pair.slice(at + 1) };
          }),
        };
    const { body: added } = await api().request<StratosMessage & { signUp: SignUpView }>('POST', path(id, o.tenant), body);
    if (!o.wait) return printData(outputFormat(o), added, () => out(`${added.message} (${added.signUp.status}); its members prepare the tenant: stratos app signups ${id}`));
    const deadline = Date.now() + Number(o.timeout ?? 300) * 1000;
    let last = '';
    const told = new Set<string>();
    for (;;) {
      const { body: now } = await api().request<SignUpView>('GET', path(id, o.tenant));
      const line = `  ${now.status}: members prepared ${now.clusters.map((c) => `${c.alias} ${c.prepared}/${c.activeMembers}`).join(', ')}`;
      if (line !== last) err(line); // each change of the status or of a count, once
      last = line;
      for (const problem of now.problems.filter((p) => !told.has(p.memberId))) {
        err(`  member ${problem.memberId}: ${problem.message}`);
        told.add(problem.memberId);
      }
      if (now.status === 'Active') return printData(outputFormat(o), now, () => out(`${added.message}: Active`));
      // Every member answered and some could not: waiting longer changes nothing until the cause is fixed (they retry every 30 s).
      if (now.problems.length > 0 && now.clusters.every((c) => c.prepared + c.failed === c.activeMembers)) {
        throw new Error(`signed up, but ${now.problems.length} member(s) could not prepare the tenant (above); they try again every 30 s: \`stratos app signups ${id}\``);
      }
      if (Date.now() > deadline) throw new Error(`gave up waiting after ${o.timeout ?? 300} s; \`stratos app signups ${id}\` shows where it stands`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  const show = async (id: string, o: SignUpOptions) => {
    if (o.tenant) return printSignUps([(await api().request<SignUpView>('GET', path(id, o.tenant))).body], o);
    try {
      printSignUps((await api().request<SignUpView[]>('GET', `/applications/${encodeURIComponent(id)}/signups`)).body, o);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 403) throw error;
      printSignUps([(await api().request<SignUpView>('GET', path(id))).body], o); // a tenant's user: its own
    }
  };
  const remove = async (id: string, o: SignUpOptions) => {
    const { body } = await api().request<StratosMessage>('DELETE', path(id, o.tenant));
    printData(outputFormat(o), body, () => out(body.message));
  };

  const application = program.commands.find((c) => c.name() === 'application')!;
  const tenantOption = (command: Command) => command.option('--tenant <domain>', "the tenant (platform admin); a tenant's admin signs up its own");
  withOutput(
    tenantOption(
      application
        .command('signup')
        .description("Sign a tenant up to a deployed multi-tenant application: its members prepare the tenant's folder and artifacts")
        .argument('<id>')
        .option('-f, --file <file>', "Stratos's ApplicationSignUpBean JSON: {artifactRepositories: [{alias, repoUrl, privateRepo, repoUsername, repoPassword}]}")
        .option('--repo <alias=url>', 'a public git repository for the members of a cartridge alias (repeatable)', collect)
        .option('-w, --wait', 'until every member prepared the tenant, with progress')
        .option('--timeout <seconds>', 'how long --wait waits', '300'),
    ),
  ).action((id: string, o: SignUpOptions) => signUp(id, o));
  withOutput(tenantOption(application.command('signups').description('Sign-ups to an application: status, members prepared, repositories (platform admin: all; a tenant: its own)').argument('<id>'))).action((id: string, o: SignUpOptions) => show(id, o));
  withOutput(tenantOption(application.command('unsignup').description("Remove a tenant's sign-up: its members remove the tenant's folder and artifacts").argument('<id>'))).action((id: string, o: SignUpOptions) => remove(id, o));

  withOutput(program.command('add-application-signup').description('Stratos alias of application signup').argument('<id>').requiredOption('-p, --resource-path <file>')).action((id: string, o: SignUpOptions) => signUp(id, o));
  withOutput(program.command('describe-application-signup').description('Stratos alias of application signups').argument('<id>')).action((id: string, o: SignUpOptions) => show(id, o));
  withOutput(program.command('remove-application-signup').description('Stratos alias of application unsignup').argument('<id>')).action((id: string, o: SignUpOptions) => remove(id, o));
}

interface MappingOptions {
  domain?: string;
  alias?: string;
  contextPath?: string;
  file?: string;
  resourcePath?: string;
  tenant?: string;
  output?: string;
  json?: boolean;
}

export function registerDomainMappings(program: Command, globals: () => GlobalOptions): void {
  const api = () => apiClient(globals());
  const path = (id: string, o: MappingOptions, domain?: string) =>
    `/applications/${encodeURIComponent(id)}/domainMappings${domain ? `/${encodeURIComponent(domain)}` : ''}${o.tenant ? `?tenantDomain=${encodeURIComponent(o.tenant)}` : ''}`;

  const add = async (id: string, o: MappingOptions) => {
    const file = o.file ?? o.resourcePath;
    if (file && (o.domain || o.alias)) throw new UsageError('give the mappings in the file or with -d and --alias, not both');
    if (!file && (!o.domain || !o.alias)) throw new UsageError('-d <domain> and --alias <cartridge alias> are required (or -f FILE)');
    const body = file ? readJsonFile(file) : { domainMappings: [{ domainName: o.domain, cartridgeAlias: o.alias, ...(o.contextPath && { contextPath: o.contextPath }) }] };
    const { body: added } = await api().request<StratosMessage>('POST', path(id, o), body);
    printData(outputFormat(o), added, () => out(added.message));
  };
  const list = async (id: string, o: MappingOptions) => {
    const { body: mappings } = await api().request<DomainMappingView[]>('GET', path(id, o));
    printData(outputFormat(o), mappings, () =>
      printTable(
        ['DOMAIN', 'ALIAS', 'CONTEXT', 'TENANT', 'CLUSTER'],
        mappings.map((m) => [m.domainName, m.cartridgeAlias, m.contextPath, m.tenantDomain, m.clusterId]),
      ),
    );
  };
  const remove = async (id: string, domain: string, o: MappingOptions) => {
    const { body } = await api().request<StratosMessage>('DELETE', path(id, o, domain));
    printData(outputFormat(o), body, () => out(body.message));
  };

  const tenantOption = (command: Command) => command.option('--tenant <domain>', "the tenant (platform admin); a tenant's admin maps its own");
  const mapping = program.command('domain-mapping').alias('domain-mappings').description("Tenants' domains, each served by a cluster of an application they signed up to (a load balancer's templates route them)");
  withOutput(
    tenantOption(
      mapping
        .command('add')
        .description('Map a domain to a cluster of the application, at a context path')
        .argument('<application>')
        .option('-d, --domain <domain>', 'the domain (e.g. www.acme.example)')
        .option('--alias <alias>', 'the cartridge alias whose cluster serves it')
        .option('--context-path <path>', 'where in the tenant\'s content it starts', '/')
        .option('-f, --file <file>', "Stratos's ApplicationDomainMappingsBean JSON: {domainMappings: [{cartridgeAlias, domainName, contextPath}]}"),
    ),
  ).action((id: string, o: MappingOptions) => add(id, o));
  withOutput(tenantOption(mapping.command('list').alias('ls').description('The domain mappings of an application (a tenant: its own)').argument('<application>'))).action((id: string, o: MappingOptions) => list(id, o));
  withOutput(tenantOption(mapping.command('remove').alias('rm').description('Remove a domain mapping').argument('<application>').argument('<domain>'))).action((id: string, d: string, o: MappingOptions) => remove(id, d, o));

  withOutput(program.command('add-domain-mappings').alias('add-domain-mapping').description('Stratos alias of domain-mapping add').argument('<application>').requiredOption('-p, --resource-path <file>')).action((id: string, o: MappingOptions) => add(id, o));
  withOutput(program.command('list-domain-mappings').description('Stratos alias of domain-mapping list').argument('<application>')).action((id: string, o: MappingOptions) => list(id, o));
  withOutput(program.command('remove-domain-mappings').alias('remove-domain-mapping').description('Stratos alias of domain-mapping remove').argument('<application>').argument('<domain>')).action((id: string, d: string, o: MappingOptions) => remove(id, d, o));
}
