// The services of the `email` feature: `import { EmailFlows } from '@nest-auth/core/email'` (loads nodemailer).
export { EmailFlows } from './email-flows.service';
export type { MailTemplates, MailKind, MailParams, MailContent } from './mail-templates';
