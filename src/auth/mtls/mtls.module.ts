import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthMechanisms } from '../core/auth-mechanism';
import { ClientCertificates } from './client-certificates';
import { MtlsMechanism } from './mtls.mechanism';
import { MtlsStrategy } from './mtls.strategy';
import { ServiceCertificate } from './service-certificate.entity';
import { ServiceCertificateVerifier } from './service-certificate.verifier';
import { ServiceCertificatesService } from './service-certificates.service';

/** The `mtls` mechanism: client certificates bound to users, their verification cache, and the bindings' lifecycle. */
@Module({})
export class MtlsAuthModule {
  /** `imports`: the module's core and users modules, as AuthModule builds them. */
  static register(...imports: DynamicModule[]): DynamicModule {
    return {
      module: MtlsAuthModule,
      imports: [...imports, TypeOrmModule.forFeature([ServiceCertificate])],
      providers: [
        ClientCertificates,
        ServiceCertificateVerifier,
        MtlsStrategy,
        ServiceCertificatesService,
        MtlsMechanism,
      ],
      exports: [ServiceCertificatesService],
    };
  }

  constructor(mechanisms: AuthMechanisms, mechanism: MtlsMechanism) {
    mechanisms.add(mechanism);
  }
}
