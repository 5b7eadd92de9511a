import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTransport, type Transporter } from 'nodemailer';
import { EMAIL_OPTIONS, ResolvedEmailOptions } from './email.options';
import type { MailContent, MailKind } from './mail-templates';

export interface OutgoingMail extends MailContent {
  kind: MailKind;
  to: string;
}

/** nodemailer over SMTP, or, without SMTP, each mail as an `.eml` file in the outbox folder. */
@Injectable()
export class MailTransport {
  private readonly logger = new Logger('AuthMail');
  private readonly transporter: Transporter;

  constructor(@Inject(EMAIL_OPTIONS) private readonly options: ResolvedEmailOptions) {
    // A send that stalls fails within seconds and is retried, rather than holding its place in the queue.
    this.transporter = options.smtpUrl
      ? createTransport({
          url: options.smtpUrl,
          connectionTimeout: 10_000,
          greetingTimeout: 10_000,
          socketTimeout: 20_000,
        })
      : createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  }

  async send(mail: OutgoingMail): Promise<void> {
    const info = await this.transporter.sendMail({
      from: this.options.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
    });
    if (!this.options.outboxDir) return;
    await mkdir(this.options.outboxDir, { recursive: true, mode: 0o700 });
    const file = join(
      this.options.outboxDir,
      `${new Date().toISOString().replace(/[:.]/g, '-')}-${mail.kind}-${randomUUID().slice(0, 8)}.eml`,
    );
    // Written aside, then renamed: whoever watches the folder never reads half a mail.
    await writeFile(`${file}.partial`, (info as { message: Buffer }).message, { mode: 0o600 });
    await rename(`${file}.partial`, file);
    // The file name and kind only: the mail holds a one-time link, which no log line may.
    this.logger.log(`Mail (${mail.kind}) written to ${file}`);
  }
}
