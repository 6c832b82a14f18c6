/**
 * Tenants and their users, in Stratos 4.1's bean shapes (TenantInfoBean, UserInfoBean), so
 * that Stratos's clients and scripts post what they always posted.
 */
import type { JsonSchema } from '../json-schema';
import { validateAgainst, type ValidationResult } from '../validation';
import type { FieldIssue } from '../errors';

/** Every password the platform accepts is at least this long. */
export const MIN_PASSWORD_LENGTH = 12;
/** A user's own name: a platform user logs in with it, a tenant user as `name@tenant.domain`. */
export const USER_NAME_PATTERN = '^[a-zA-Z0-9._-]{1,64}$';
/** A DNS name with at least one dot (acme.com), as Stratos required; kept in lower case. */
export const TENANT_DOMAIN_PATTERN = '^(?=.{3,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$';
/** Stratos's super tenant: the platform itself, never a tenant. */
export const RESERVED_TENANT_DOMAINS = ['carbon.super'];
const EMAIL_PATTERN = '^[^\\s@]{1,64}@[^\\s@]{1,253}$';

export type PlatformRole = 'admin' | 'user';
export type TenantRole = 'tenant-admin' | 'tenant-user';
export type Role = PlatformRole | TenantRole;
export const PLATFORM_ROLES: PlatformRole[] = ['admin', 'user'];
export const TENANT_ROLES: TenantRole[] = ['tenant-admin', 'tenant-user'];

const password: JsonSchema = { type: 'string', minLength: MIN_PASSWORD_LENGTH, maxLength: 1024, secret: true };
const name: JsonSchema = { type: 'string', maxLength: 256 };

/** TenantInfoBean, as POST and PUT /api/tenants read it. */
export const tenantInfoSchema: JsonSchema = {
  title: 'TenantInfoBean',
  type: 'object',
  additionalProperties: false,
  required: ['tenantDomain'],
  properties: {
    tenantDomain: { type: 'string', pattern: TENANT_DOMAIN_PATTERN, description: 'a DNS name with a dot, e.g. acme.com; its users log in as name@acme.com' },
    admin: { type: 'string', pattern: USER_NAME_PATTERN, description: "the tenant admin's user name (logs in as admin@tenantDomain); required to add a tenant" },
    adminPassword: { ...password, description: `the tenant admin's password (at least ${MIN_PASSWORD_LENGTH} characters); required to add a tenant, resets it on update` },
    email: { type: 'string', pattern: EMAIL_PATTERN, maxLength: 320, description: 'required to add a tenant' },
    firstName: name,
    lastName: name,
    firstname: { ...name, description: 'Stratos 4.1 also wrote firstName this way' },
    lastname: { ...name, description: 'Stratos 4.1 also wrote lastName this way' },
    tenantId: { type: 'integer', description: 'given by the platform; ignored on add, and on update it must name the same tenant as tenantDomain' },
    active: { type: 'boolean', description: 'read only: activate and deactivate change it' },
    createdDate: { type: 'integer', description: 'read only' },
    successKey: { type: 'string', description: 'Stratos sign-up flow; not used' },
    originatedService: { type: 'string', description: 'Stratos sign-up flow; not used' },
    usagePlan: { type: 'string', description: 'Stratos billing; not used' },
    quota: {
      type: 'object',
      additionalProperties: false,
      description: 'what the tenant may deploy for itself (platform admin only); absent: no limit; on update, null removes a limit and an absent key leaves it as it is',
      properties: {
        deployments: { type: 'integer', nullable: true, minimum: 0, maximum: 100000, description: 'deployments of its own' },
        members: { type: 'integer', nullable: true, minimum: 0, maximum: 1000000, description: 'members of its own deployments at their minimum, in all' },
      },
    },
  },
};

/** UserInfoBean, as POST and PUT /api/users read it (`username`/`password` are this platform's own spellings). */
export const userInfoSchema: JsonSchema = {
  title: 'UserInfoBean',
  type: 'object',
  additionalProperties: false,
  properties: {
    userName: { type: 'string', maxLength: 320, description: 'name, or name@tenant.domain (a tenant admin may leave out its own domain)' },
    username: { type: 'string', maxLength: 320, description: 'same as userName' },
    credential: { ...password, description: `the password (at least ${MIN_PASSWORD_LENGTH} characters); required to add a user, resets it on update (admins)` },
    password: { ...password, description: 'same as credential' },
    role: { type: 'string', maxLength: 64, description: `platform users: ${PLATFORM_ROLES.join(', ')}; tenant users: ${TENANT_ROLES.join(', ')} (Stratos's "admin" and "user" mean these in a tenant)` },
    firstName: name,
    lastName: name,
    email: { type: 'string', pattern: EMAIL_PATTERN, maxLength: 320 },
    profileName: { type: 'string', description: 'Stratos user-store profile; not used' },
  },
};

export interface TenantInput {
  tenantDomain: string;
  admin?: string;
  adminPassword?: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  tenantId?: number;
  quota?: TenantQuota;
}

/** What a tenant may deploy for itself; null: no limit. */
export interface TenantQuota {
  deployments?: number | null;
  members?: number | null;
}

export interface UserInput {
  userName?: string;
  credential?: string;
  role?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
}

/** TenantInfoBean as the API answers it: never a password. */
export interface TenantView {
  tenantId: number;
  tenantDomain: string;
  /** The tenant admin's user name (its login: admin@tenantDomain). */
  admin: string | null;
  email: string;
  firstName: string | null;
  lastName: string | null;
  active: boolean;
  /** Milliseconds since the epoch, as Stratos. */
  createdDate: number;
  /** What it may deploy for itself (null: no limit), and what its own deployments hold now. */
  quota: { deployments: number | null; members: number | null };
  usage: { deployments: number; members: number };
}

/** UserInfoBean as the API answers it. */
export interface UserView {
  /** The login name: `name` (platform) or `name@tenant.domain`. */
  userName: string;
  role: Role;
  tenantDomain: string | null;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  createdAt: string;
}

/** Stratos's ResponseMessageBean, which its clients check; the platform adds what changed. */
export interface StratosMessage {
  status: 'success';
  message: string;
}

/** A tenant added or updated: Stratos's message, the tenant as it is now, and what was accepted with a warning. */
export type TenantWriteResult = StratosMessage & { tenant: TenantView; warnings: FieldIssue[] };
/** A user added or updated: Stratos's message, the user as it is now, and what was accepted with a warning. */
export type UserWriteResult = StratosMessage & { user: UserView; warnings: FieldIssue[] };

/** The tenant a add or update names, normalized (domain in lower case, Stratos's spellings folded). */
export function validateTenantInput(input: unknown, mode: 'add' | 'update'): ValidationResult<TenantInput> {
  const result = validateAgainst<TenantInput & { firstname?: string; lastname?: string }>(tenantInfoSchema, input);
  if (result.errors.length > 0) return result;
  const value = result.value;
  const errors: FieldIssue[] = [];
  if (mode === 'add') for (const key of ['admin', 'adminPassword', 'email'] as const) if (value[key] === undefined) errors.push({ path: `/${key}`, message: 'is required to add a tenant' });
  const domain = value.tenantDomain.toLowerCase();
  if (RESERVED_TENANT_DOMAINS.includes(domain)) errors.push({ path: '/tenantDomain', message: `"${domain}" is the platform's own (Stratos's super tenant), not a tenant's` });
  const { firstname, lastname, ...rest } = value;
  return { value: { ...rest, tenantDomain: domain, firstName: value.firstName ?? firstname, lastName: value.lastName ?? lastname }, warnings: result.warnings, errors };
}

/** A user's fields, with this platform's and Stratos's spellings folded into Stratos's. */
export function validateUserInput(input: unknown, mode: 'add' | 'update'): ValidationResult<UserInput> {
  const result = validateAgainst<UserInput & { username?: string; password?: string }>(userInfoSchema, input);
  if (result.errors.length > 0) return result;
  const { username, password: pass, ...value } = result.value;
  const errors: FieldIssue[] = [];
  if (username !== undefined && value.userName !== undefined && username !== value.userName) errors.push({ path: '/username', message: `says "${username}" but /userName says "${value.userName}"` });
  if (pass !== undefined && value.credential !== undefined && pass !== value.credential) errors.push({ path: '/password', message: 'differs from /credential: send one of them' });
  const userName = value.userName ?? username;
  const credential = value.credential ?? pass;
  if (userName === undefined) errors.push({ path: '/userName', message: 'is required' });
  if (mode === 'add' && credential === undefined) errors.push({ path: '/credential', message: 'is required to add a user' });
  return { value: { ...value, userName, credential }, warnings: result.warnings, errors };
}

/**
 * Splits a login name into its own name and its tenant's domain (null: a platform user). Not a
 * validation: an ill-formed name simply names nobody.
 */
export function splitLoginName(login: string): { name: string; domain: string | null } {
  const at = login.lastIndexOf('@');
  return at < 0 ? { name: login, domain: null } : { name: login.slice(0, at), domain: login.slice(at + 1).toLowerCase() };
}
