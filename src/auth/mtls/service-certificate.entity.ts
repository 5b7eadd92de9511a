import { EntitySchema } from 'typeorm';
import { SchemaContext, timestampType, USER_ID_LENGTH } from '../core/database';
import { builtInUserForeignKey } from '../core/user-foreign-key';

/** A client certificate bound to a user: a request presenting it acts as that user, within `scopes`. */
export class ServiceCertificate {
  id: string;
  userId: string;
  /** SHA-256 of the certificate's DER encoding: 64 uppercase hex digits, no colons. */
  fingerprint: string;
  name: string;
  scopes: string[];
  createdAt: Date;
  revokedAt: Date | null;
}

export const serviceCertificateSchema = (context: SchemaContext) =>
  new EntitySchema<ServiceCertificate>({
    name: 'ServiceCertificate',
    target: ServiceCertificate,
    tableName: 'auth_service_certificates',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      userId: { name: 'user_id', type: 'varchar', length: USER_ID_LENGTH },
      fingerprint: { type: 'varchar', length: 64 },
      name: { type: 'varchar', length: 100 },
      scopes: { type: 'simple-json' },
      createdAt: { name: 'created_at', type: timestampType(context.database) },
      revokedAt: { name: 'revoked_at', type: timestampType(context.database), nullable: true },
    },
    uniques: [{ name: 'UQ_auth_service_certificates_fingerprint', columns: ['fingerprint'] }],
    indices: [{ name: 'IDX_auth_service_certificates_user', columns: ['userId'] }],
    foreignKeys: builtInUserForeignKey(context, 'auth_service_certificates'),
  });
