import { isScope } from '../core/scopes';

/** The permissions the module's own organization routes ask for. */
export const ORG_PERMISSIONS = [
  'org:read',
  'org:update',
  'org:delete',
  'members:read',
  'members:invite',
  'members:update',
  'members:remove',
  'owners:manage',
  'roles:manage',
  'api-keys:manage',
  'audit:read',
] as const;

const ALL = '*';
/** What `admin` lacks of `*`: deleting the organization and changing who its owners are (API.md). */
const ADMIN_LACKS: ReadonlySet<string> = new Set(['org:delete', 'owners:manage']);

export const BUILT_IN_ROLES: Readonly<Record<string, readonly string[]>> = {
  owner: [ALL],
  admin: [ALL, ...[...ADMIN_LACKS].map((permission) => `!${permission}`)],
  member: ['org:read', 'members:read'],
};

export const isBuiltInRole = (name: string): boolean => Object.hasOwn(BUILT_IN_ROLES, name);

/** A custom role's name: not a built-in one, lower-case, as URLs and lists show it. */
export const ROLE_NAME = /^[a-z][a-z0-9_-]{0,39}$/;

/** `resource:action`, or `*` alone for all; a custom role may not subtract (`!…` is the built-in admin's only). */
export const isPermission = (permission: string): boolean => permission === ALL || isScope(permission);

/** Whether a role's permissions grant `permission`: listed, or `*` without it subtracted. */
export function grants(held: readonly string[], permission: string): boolean {
  if (held.includes(permission)) return true;
  return held.includes(ALL) && !held.includes(`!${permission}`);
}

export const grantsAll = (held: readonly string[], wanted: readonly string[]): boolean =>
  wanted.every((permission) => grants(held, permission));

/** Whether a caller holding `held` may hand out a role holding `given`: never more than it holds itself. */
export function mayHandOut(held: readonly string[], given: readonly string[]): boolean {
  if (given.includes(ALL)) {
    const subtracted = given.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
    return held.includes(ALL) && held.filter((p) => p.startsWith('!')).every((p) => subtracted.includes(p.slice(1)));
  }
  return given.every((permission) => permission.startsWith('!') || grants(held, permission));
}
