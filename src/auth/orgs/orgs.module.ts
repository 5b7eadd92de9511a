import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OrgAccess } from './org-access';
import { OrgApiKey, OrgEvent, OrgInvitation, OrgMembership, OrgRole, Organization } from './org.entities';
import { EMAIL_LISTED, OrgsService } from './orgs.service';

/** Organizations, memberships, roles, invitations, organization-owned keys, and the guard's `@Auth({ org })` decision. */
@Module({})
export class OrgsModule {
  /** `imports`: the module's base modules, as AuthModule builds them. */
  static register(emailListed: boolean, ...imports: DynamicModule[]): DynamicModule {
    return {
      module: OrgsModule,
      imports: [
        ...imports,
        TypeOrmModule.forFeature([Organization, OrgMembership, OrgRole, OrgInvitation, OrgApiKey, OrgEvent]),
      ],
      providers: [OrgAccess, OrgsService, { provide: EMAIL_LISTED, useValue: emailListed }],
      exports: [OrgsService, OrgAccess],
    };
  }
}
