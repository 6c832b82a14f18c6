/**
 * `stratos tenant …` and `stratos user …`: tenants and their users, over /api/tenants and
 * /api/users; and Stratos 4.1's names for them (add-tenant -u -f -l -p -d -e, list-users, …).
 */
import type { Command } from 'commander';
import type { StratosMessage, TenantView, UserView } from '@stratos/contracts';
import { apiClient, outputFormat, readStdin, UsageError, type GlobalOptions } from '../context';
import { out, printData, printIssues, printTable } from '../output';

interface ReadOptions {
  output?: string;
  json?: boolean;
}

interface TenantFields extends ReadOptions {
  domainName?: string;
  username?: string;
  password?: string;
  passwordStdin?: boolean;
  email?: string;
  firstName?: string;
  lastName?: string;
  tenantId?: string;
}

interface UserFields extends ReadOptions {
  username?: string;
  password?: string;
  passwordStdin?: boolean;
  roleName?: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  profileName?: string;
}

const withOutput = (command: Command) => command.option('-o, --output <format>', 'table | json | yaml', 'table').option('--json', 'same as -o json');

async function passwordOf(options: { password?: string; passwordStdin?: boolean }): Promise<string | undefined> {
  if (options.password !== undefined && options.passwordStdin) throw new UsageError('give -p or --password-stdin, not both');
  return options.passwordStdin ? readStdin() : options.password;
}

/** A write's answer: Stratos's message, warnings on stderr; -o json prints it whole. */
function printWrite(result: StratosMessage & { warnings?: { path: string; message: string }[] }, options: ReadOptions): void {
  printIssues('warning', result.warnings ?? []);
  printData(outputFormat(options), result, () => out(result.message));
}

function printTenants(tenants: TenantView[], options: ReadOptions): void {
  printData(outputFormat(options), tenants, () =>
    printTable(
      ['DOMAIN', 'ID', 'ADMIN', 'EMAIL', 'ACTIVE', 'CREATED'],
      tenants.map((t) => [t.tenantDomain, t.tenantId, t.admin, t.email, t.active ? 'yes' : 'no', new Date(t.createdDate).toISOString().slice(0, 19).replace('T', ' ')]),
    ),
  );
}

export function registerTenants(program: Command, globals: () => GlobalOptions): void {
  const api = () => apiClient(globals());
  const path = (domain: string) => encodeURIComponent(domain);

  const add = async (o: TenantFields) => {
    const adminPassword = await passwordOf(o);
    const body = { tenantDomain: o.domainName, admin: o.username, adminPassword, email: o.email, firstName: o.firstName, lastName: o.lastName };
    printWrite((await api().request<StratosMessage>('POST', '/tenants', body)).body, o);
  };
  const update = async (o: TenantFields) => {
    const adminPassword = await passwordOf(o);
    const tenantId = o.tenantId === undefined ? undefined : Number(o.tenantId);
    if (tenantId !== undefined && !Number.isInteger(tenantId)) throw new UsageError(`-i takes the tenant's id, a number, not "${o.tenantId}"`);
    const body = { tenantDomain: o.domainName, tenantId, admin: o.username, adminPassword, email: o.email, firstName: o.firstName, lastName: o.lastName };
    printWrite((await api().request<StratosMessage>('PUT', '/tenants', body)).body, o);
  };
  const list = async (o: ReadOptions) => printTenants((await api().request<TenantView[]>('GET', '/tenants')).body, o);
  const search = async (fragment: string, o: ReadOptions) => printTenants((await api().request<TenantView[]>('GET', `/tenants/search/${path(fragment)}`)).body, o);
  const get = async (domain: string, o: ReadOptions) => {
    const { body } = await api().request<TenantView>('GET', `/tenants/${path(domain)}`);
    printData(outputFormat(o), body, () =>
      printTable(
        ['FIELD', 'VALUE'],
        Object.entries({ ...body, active: body.active ? 'yes' : 'no', createdDate: new Date(body.createdDate).toISOString() }).map(([k, v]) => [k, v as string]),
      ),
    );
  };
  const setActive = (state: 'activate' | 'deactivate') => async (domain: string, o: ReadOptions) => printWrite((await api().request<StratosMessage>('PUT', `/tenants/${state}/${path(domain)}`)).body, o);
  const remove = async (domain: string, o: ReadOptions) => printWrite((await api().request<StratosMessage>('DELETE', `/tenants/${path(domain)}`)).body, o);

  const tenantOptions = (command: Command, required: boolean) => {
    const option = (flags: string, description: string) => (required ? command.requiredOption(flags, description) : command.option(flags, description));
    option('-d, --domain-name <domain>', "the tenant's domain (its users log in as name@domain)");
    option('-u, --username <name>', "its admin's user name");
    option('-e, --email <email>', "the tenant's e-mail address");
    command.option('-p, --password <password>', "its admin's password (prefer --password-stdin: flags show in ps)").option('--password-stdin', "read its admin's password from standard input");
    command.option('-f, --first-name <name>').option('-l, --last-name <name>');
    return withOutput(command);
  };

  const tenant = program.command('tenant').alias('tenants').description("Tenants: each a domain with its own admin and users (platform admin; a tenant's admin reads and updates its own)");
  tenantOptions(tenant.command('add').alias('create').description('Add a tenant and its admin user, admin@domain'), true).action((o: TenantFields) => add(o));
  withOutput(tenant.command('list').alias('ls').description('List tenants')).action((o: ReadOptions) => list(o));
  withOutput(tenant.command('search').description('Tenants whose domain contains a fragment').argument('<fragment>')).action((f: string, o: ReadOptions) => search(f, o));
  withOutput(tenant.command('get').alias('describe').description('Show one tenant').argument('<domain>')).action((d: string, o: ReadOptions) => get(d, o));
  tenantOptions(tenant.command('update').description("Change a tenant's e-mail or names (-d names it); -p resets its admin's password"), false).action((o: TenantFields) => update(o));
  withOutput(tenant.command('activate').description('Activate a tenant: its users may log in again').argument('<domain>')).action(setActive('activate'));
  withOutput(tenant.command('deactivate').description("Deactivate a tenant: its tokens and logins stop at once; nothing is deleted").argument('<domain>')).action(setActive('deactivate'));
  withOutput(tenant.command('remove').alias('rm').alias('delete').description('Delete a tenant, its users and their tokens').argument('<domain>')).action(remove);

  // Stratos 4.1's names and options.
  tenantOptions(program.command('add-tenant').alias('create-tenant').description('Stratos alias of tenant add'), true).action((o: TenantFields) => add(o));
  tenantOptions(program.command('update-tenant').description('Stratos alias of tenant update').option('-i, --tenant-id <id>', "the tenant's id"), false).action((o: TenantFields) => update(o));
  withOutput(program.command('list-tenants').description('Stratos alias of tenant list')).action((o: ReadOptions) => list(o));
  withOutput(program.command('list-tenants-by-partial-domain').description('Stratos alias of tenant search').requiredOption('-d, --domain-name <fragment>')).action((o: ReadOptions & { domainName: string }) => search(o.domainName, o));
  withOutput(program.command('describe-tenant').description('Stratos alias of tenant get').argument('<domain>')).action((d: string, o: ReadOptions) => get(d, o));
  withOutput(program.command('activate-tenant').description('Stratos alias of tenant activate').argument('<domain>')).action(setActive('activate'));
  withOutput(program.command('deactivate-tenant').description('Stratos alias of tenant deactivate').argument('<domain>')).action(setActive('deactivate'));
  withOutput(program.command('remove-tenant').alias('delete-tenant').description('Stratos alias of tenant remove').argument('<domain>')).action(remove);
}

export function registerUsers(program: Command, globals: () => GlobalOptions): void {
  const api = () => apiClient(globals());
  const body = async (o: UserFields) => ({ userName: o.username, credential: await passwordOf(o), role: o.roleName, firstName: o.firstName, lastName: o.lastName, email: o.email, profileName: o.profileName });
  const add = async (o: UserFields) => printWrite((await api().request<StratosMessage>('POST', '/users', await body(o))).body, o);
  const update = async (o: UserFields) => printWrite((await api().request<StratosMessage>('PUT', '/users', await body(o))).body, o);
  const list = async (o: ReadOptions & { tenant?: string }) => {
    const { body: users } = await api().request<UserView[]>('GET', `/users${o.tenant ? `?tenantDomain=${encodeURIComponent(o.tenant)}` : ''}`);
    printData(outputFormat(o), users, () =>
      printTable(
        ['USER', 'ROLE', 'NAME', 'EMAIL', 'CREATED'],
        users.map((u) => [u.userName, u.role, [u.firstName, u.lastName].filter(Boolean).join(' '), u.email, u.createdAt.slice(0, 19).replace('T', ' ')]),
      ),
    );
  };
  const remove = async (name: string, o: ReadOptions) => printWrite((await api().request<StratosMessage>('DELETE', `/users/${encodeURIComponent(name)}`)).body, o);

  const userOptions = (command: Command, adding: boolean) => {
    command.requiredOption('-u, --username <name>', adding ? "name (a tenant's admin: of its own tenant; the platform admin: name@tenant.domain for a tenant's)" : 'whose');
    command.option('-p, --password <password>', 'the password (prefer --password-stdin: flags show in ps)').option('--password-stdin', 'read the password from standard input');
    command.option('-r, --role-name <role>', "admin or user (in a tenant: the tenant's)").option('-f, --first-name <name>').option('-l, --last-name <name>').option('-e, --email <email>');
    command.option('--profile-name <profile>', "Stratos's user-store profile (not used)");
    return withOutput(command);
  };

  const user = program.command('user').alias('users').description("Users of the platform, or of a tenant (a tenant's admin manages its own)");
  userOptions(user.command('add').alias('create').description('Add a user'), true).action((o: UserFields) => add(o));
  withOutput(user.command('list').alias('ls').description("List the platform's users (--tenant: a tenant's; a tenant admin: its own)").option('--tenant <domain>')).action((o: ReadOptions & { tenant?: string }) => list(o));
  userOptions(user.command('update').description("Change a user's names, e-mail or role; -p resets its password and ends its sessions"), false).action((o: UserFields) => update(o));
  withOutput(user.command('remove').alias('rm').alias('delete').description('Remove a user (never the last admin)').argument('<name>')).action(remove);

  userOptions(program.command('add-user').alias('create-user').description('Stratos alias of user add'), true).action((o: UserFields) => add(o));
  userOptions(program.command('update-user').description('Stratos alias of user update'), false).action((o: UserFields) => update(o));
  withOutput(program.command('list-users').description('Stratos alias of user list')).action((o: ReadOptions) => list(o));
  withOutput(program.command('remove-user').alias('delete-user').description('Stratos alias of user remove').argument('<name>')).action(remove);
}
