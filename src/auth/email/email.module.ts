import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EmailFlows } from './email-flows.service';
import { EmailToken } from './email-token.entity';
import { EmailTokens } from './email-tokens';
import { MailLimits } from './mail-limits';
import { MailQueue } from './mail-queue';
import { MailTransport } from './mail-transport';
import { QueuedMail } from './queued-mail.entity';

/** Verification, password reset and email change, over SMTP or into an outbox folder, through a persisted queue. */
@Module({})
export class EmailModule {
  /** `imports`: the module's core, users, accounts, login and audit modules, as AuthModule builds them. */
  static register(...imports: DynamicModule[]): DynamicModule {
    return {
      module: EmailModule,
      imports: [...imports, TypeOrmModule.forFeature([EmailToken, QueuedMail])],
      providers: [MailTransport, MailQueue, EmailTokens, MailLimits, EmailFlows],
      exports: [EmailFlows, MailQueue],
    };
  }
}
