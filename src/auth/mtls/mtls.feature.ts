import type { AuthFeature } from '../core/auth-feature';
import { linkedToUsers } from '../core/user-foreign-key';
import { CreateServiceCertificates1796083207000 } from './migrations/1796083207000-CreateServiceCertificates';
import { MtlsAuthModule } from './mtls.module';
import { MTLS_OPTIONS, MtlsOptions, resolveMtlsOptions } from './mtls.options';
import { serviceCertificateSchema } from './service-certificate.entity';
import { ServiceCertificatesController } from './service-certificates.controller';

/** Client certificates for services: the `mtls` mechanism and the bindings of certificates to users. Options: `mtls`. */
export const mtls: AuthFeature = {
  name: 'mtls',
  mechanism: { name: 'mtls', rank: 3 },
  options: [{ token: MTLS_OPTIONS, resolve: (o: { mtls?: MtlsOptions }) => resolveMtlsOptions(o.mtls) }],
  module: (base) => MtlsAuthModule.register(...base),
  controllers: [ServiceCertificatesController],
  schemas: [serviceCertificateSchema],
  migrations: ({ builtInUsers }) => [
    linkedToUsers(CreateServiceCertificates1796083207000, ['auth_service_certificates'], builtInUsers),
  ],
};
