import { EntitySchema } from 'typeorm';
import { SchemaContext, timestampType, USER_ID_LENGTH } from '../core/database';
import { builtInUserForeignKey } from '../core/user-foreign-key';

/** A tenant of the host app. `keyOwnerId`: the service user its organization-owned API keys are issued to, made with the first key. */
export class Organization {
  id: string;
  name: string;
  slug: string;
  requireMfa: boolean;
  keyOwnerId: string | null;
  createdAt: Date;
}

/** One user's place in one organization: exactly one role, by name (built-in or the organization's own). */
export class OrgMembership {
  orgId: string;
  userId: string;
  role: string;
  joinedAt: Date;
}

/** A role an organization defines for itself: a set of `resource:action` permissions. */
export class OrgRole {
  orgId: string;
  name: string;
  permissions: string[];
  createdAt: Date;
}

/** An invitation by email: stored only as the SHA-256 of its token, single use, expiring. */
export class OrgInvitation {
  id: string;
  orgId: string;
  email: string;
  role: string;
  tokenHash: string;
  invitedBy: string;
  createdAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null;
}

/** An API key that belongs to an organization rather than to whoever created it. */
export class OrgApiKey {
  apiKeyId: string;
  orgId: string;
  createdBy: string;
  createdAt: Date;
}

/** Which audit events concern which organization: the index `GET /auth/orgs/:orgId/audit` reads. */
export class OrgEvent {
  eventId: string;
  orgId: string;
  createdAt: Date;
}

const orgForeignKey = (table: string) => [
  {
    name: `FK_${table}_org_id`,
    target: 'auth_orgs',
    columnNames: ['org_id'],
    referencedColumnNames: ['id'],
    onDelete: 'CASCADE' as const,
  },
];

export const organizationSchema = (context: SchemaContext) =>
  new EntitySchema<Organization>({
    name: 'Organization',
    target: Organization,
    tableName: 'auth_orgs',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      name: { type: 'varchar', length: 100 },
      slug: { type: 'varchar', length: 64 },
      requireMfa: { name: 'require_mfa', type: 'boolean' },
      keyOwnerId: { name: 'key_owner_id', type: 'varchar', length: USER_ID_LENGTH, nullable: true },
      createdAt: { name: 'created_at', type: timestampType(context.database) },
    },
    uniques: [{ name: 'UQ_auth_orgs_slug', columns: ['slug'] }],
  });

export const orgMembershipSchema = (context: SchemaContext) =>
  new EntitySchema<OrgMembership>({
    name: 'OrgMembership',
    target: OrgMembership,
    tableName: 'auth_org_members',
    columns: {
      orgId: { name: 'org_id', type: 'varchar', length: 36, primary: true },
      userId: { name: 'user_id', type: 'varchar', length: USER_ID_LENGTH, primary: true },
      role: { type: 'varchar', length: 40 },
      joinedAt: { name: 'joined_at', type: timestampType(context.database) },
    },
    indices: [
      { name: 'IDX_auth_org_members_user', columns: ['userId'] },
      { name: 'IDX_auth_org_members_joined', columns: ['orgId', 'joinedAt', 'userId'] },
    ],
    foreignKeys: [...orgForeignKey('auth_org_members'), ...builtInUserForeignKey(context, 'auth_org_members')],
  });

export const orgRoleSchema = (context: SchemaContext) =>
  new EntitySchema<OrgRole>({
    name: 'OrgRole',
    target: OrgRole,
    tableName: 'auth_org_roles',
    columns: {
      orgId: { name: 'org_id', type: 'varchar', length: 36, primary: true },
      name: { type: 'varchar', length: 40, primary: true },
      permissions: { type: 'simple-json' },
      createdAt: { name: 'created_at', type: timestampType(context.database) },
    },
    foreignKeys: orgForeignKey('auth_org_roles'),
  });

export const orgInvitationSchema = (context: SchemaContext) =>
  new EntitySchema<OrgInvitation>({
    name: 'OrgInvitation',
    target: OrgInvitation,
    tableName: 'auth_org_invitations',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      orgId: { name: 'org_id', type: 'varchar', length: 36 },
      email: { type: 'varchar', length: 254 },
      role: { type: 'varchar', length: 40 },
      tokenHash: { name: 'token_hash', type: 'varchar', length: 64, select: false },
      invitedBy: { name: 'invited_by', type: 'varchar', length: USER_ID_LENGTH },
      createdAt: { name: 'created_at', type: timestampType(context.database) },
      expiresAt: { name: 'expires_at', type: timestampType(context.database) },
      acceptedAt: { name: 'accepted_at', type: timestampType(context.database), nullable: true },
    },
    uniques: [{ name: 'UQ_auth_org_invitations_token_hash', columns: ['tokenHash'] }],
    indices: [{ name: 'IDX_auth_org_invitations_org', columns: ['orgId', 'createdAt'] }],
    foreignKeys: orgForeignKey('auth_org_invitations'),
  });

export const orgApiKeySchema = (context: SchemaContext) =>
  new EntitySchema<OrgApiKey>({
    name: 'OrgApiKey',
    target: OrgApiKey,
    tableName: 'auth_org_api_keys',
    columns: {
      apiKeyId: { name: 'api_key_id', type: 'varchar', length: 36, primary: true },
      orgId: { name: 'org_id', type: 'varchar', length: 36 },
      createdBy: { name: 'created_by', type: 'varchar', length: USER_ID_LENGTH },
      createdAt: { name: 'created_at', type: timestampType(context.database) },
    },
    indices: [{ name: 'IDX_auth_org_api_keys_org', columns: ['orgId'] }],
    foreignKeys: orgForeignKey('auth_org_api_keys'),
  });

export const orgEventSchema = (context: SchemaContext) =>
  new EntitySchema<OrgEvent>({
    name: 'OrgEvent',
    target: OrgEvent,
    tableName: 'auth_org_events',
    columns: {
      eventId: { name: 'event_id', type: 'varchar', length: 36, primary: true },
      orgId: { name: 'org_id', type: 'varchar', length: 36 },
      createdAt: { name: 'created_at', type: timestampType(context.database) },
    },
    indices: [{ name: 'IDX_auth_org_events_org_created', columns: ['orgId', 'createdAt', 'eventId'] }],
    // The trail outlives the organization, and goes when audit retention prunes the event it points at.
    foreignKeys: [
      {
        name: 'FK_auth_org_events_event_id',
        target: 'auth_events',
        columnNames: ['event_id'],
        referencedColumnNames: ['id'],
        onDelete: 'CASCADE',
      },
    ],
  });

export const ORG_SCHEMAS = [
  organizationSchema,
  orgMembershipSchema,
  orgRoleSchema,
  orgInvitationSchema,
  orgApiKeySchema,
  orgEventSchema,
];
