/** The `audit` options of AuthModule.forRoot. */
export interface AuditOptions {
  /** Audit events older than this many days are deleted (default 90). */
  retentionDays?: number;
}

export type ResolvedAuditOptions = Required<AuditOptions>;

export const AUDIT_OPTIONS = Symbol('AUDIT_OPTIONS');

export function resolveAuditOptions(options: AuditOptions = {}): ResolvedAuditOptions {
  const retentionDays = options.retentionDays ?? 90;
  if (!Number.isInteger(retentionDays) || retentionDays < 1)
    throw new Error('AuthModule: audit.retentionDays must be a positive integer');
  return { retentionDays };
}
