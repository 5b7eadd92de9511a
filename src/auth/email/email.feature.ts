import type { AuthFeature } from '../core/auth-feature';
import { linkedToUsers } from '../core/user-foreign-key';
import { emailTokenSchema } from './email-token.entity';
import { EMAIL_OPTIONS, EmailOptions, resolveEmailOptions } from './email.options';
import { CreateEmailTables1796083208000 } from './migrations/1796083208000-CreateEmailTables';
import { queuedMailSchema } from './queued-mail.entity';

/**
 * Email verification, password reset and email change, and the notices of changes to an account, over
 * SMTP or into an outbox folder. Options: `email` (smtpUrl or outboxDir required). Loads nodemailer.
 */
export const email: AuthFeature = {
  name: 'email',
  requires: ['password'],
  packages: ['nodemailer'],
  options: [
    {
      token: EMAIL_OPTIONS,
      resolve: (o: { email?: EmailOptions; mfa?: { encryptionKeys?: string[] }; session?: { secrets?: string[] } }) =>
        resolveEmailOptions(o.email, o.mfa?.encryptionKeys, o.session?.secrets),
    },
  ],
  module: (base) => (require('./email.module') as typeof import('./email.module')).EmailModule.register(...base),
  get controllers() {
    return [(require('./email.controller') as typeof import('./email.controller')).EmailController];
  },
  schemas: [emailTokenSchema, queuedMailSchema],
  migrations: ({ builtInUsers }) => [
    linkedToUsers(CreateEmailTables1796083208000, ['auth_email_tokens'], builtInUsers),
  ],
};
