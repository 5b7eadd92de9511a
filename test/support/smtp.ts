import { simpleParser } from 'mailparser';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * A real SMTP server (smtp-server, from the nodemailer project) on a free port, with AUTH, that keeps
 * every mail it accepts. `down()` refuses mail until `up()`.
 */
export class TestSmtpServer {
  readonly received: ReceivedMail[] = [];
  private refusing = false;

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
    readonly user: string,
    readonly pass: string,
  ) {}

  static async start(port = 0): Promise<TestSmtpServer> {
    const user = 'mailer';
    const pass = 'smtp-test-password';
    let self: TestSmtpServer | undefined;
    const server = new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authMethods: ['PLAIN', 'LOGIN'],
      logger: false,
      onAuth(auth, _session, callback) {
        if (auth.username === user && auth.password === pass) return callback(null, { user });
        callback(new Error('Invalid username or password'));
      },
      onMailFrom(_address, _session, callback) {
        if (self?.refusing) return callback(Object.assign(new Error('Service not available'), { responseCode: 421 }));
        callback();
      },
      onData(stream, _session, callback) {
        simpleParser(stream).then(
          (mail) => {
            const to = Array.isArray(mail.to) ? mail.to.map((a) => a.text).join(', ') : (mail.to?.text ?? '');
            self?.received.push({
              to,
              subject: mail.subject ?? '',
              text: mail.text ?? '',
              html: typeof mail.html === 'string' ? mail.html : '',
            });
            callback();
          },
          (error: Error) => callback(error),
        );
      },
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    self = new TestSmtpServer(server, (server.server.address() as AddressInfo).port, user, pass);
    return self;
  }

  get url(): string {
    return `smtp://${this.user}:${this.pass}@127.0.0.1:${this.port}`;
  }

  down(): void {
    this.refusing = true;
  }

  up(): void {
    this.refusing = false;
  }

  /** The first mail to `to` whose subject matches, waiting for it; received mails stay for later calls. */
  async mailTo(to: string, subject: RegExp, timeoutMs = 10_000): Promise<ReceivedMail> {
    return (await this.mailsTo(to, subject, 1, timeoutMs))[0];
  }

  /** The first `count` mails to `to` whose subject matches, in the order they came, waiting for them. */
  async mailsTo(to: string, subject: RegExp, count: number, timeoutMs = 10_000): Promise<ReceivedMail[]> {
    const started = Date.now();
    for (;;) {
      const mails = this.received.filter((m) => m.to.includes(to) && subject.test(m.subject));
      if (mails.length >= count) return mails.slice(0, count);
      if (Date.now() - started > timeoutMs)
        throw new Error(`${mails.length} of ${count} mails to ${to} matching ${subject} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  count(to: string, subject: RegExp): number {
    return this.received.filter((m) => m.to.includes(to) && subject.test(m.subject)).length;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The token of the one-time link in a mail's text. */
export function tokenIn(mail: { text: string }): string {
  const match = /[?&]token=([A-Za-z0-9_%-]+)/.exec(mail.text);
  if (!match) throw new Error(`no link with a token in: ${mail.text}`);
  return decodeURIComponent(match[1]);
}

/** The path and query of the one-time link, to call on the app under test. */
export function linkPath(mail: { text: string }): string {
  const match = /https?:\/\/[^/\s]+(\/[^\s]*token=[^\s]+)/.exec(mail.text);
  if (!match) throw new Error(`no link in: ${mail.text}`);
  return match[1];
}

/** The token of the newest mail of `kind` to `to` in the app's outbox, waiting for it. */
export async function outboxToken(
  t: { env: Record<string, string | undefined> },
  to: string,
  kind: string,
): Promise<string> {
  const outbox = join(t.env.DATA_DIR as string, 'outbox');
  for (let i = 0; i < 200; i++) {
    const files = existsSync(outbox)
      ? readdirSync(outbox)
          .filter((name) => name.includes(`-${kind}-`))
          .sort()
          .reverse()
      : [];
    for (const file of files) {
      const mail = await simpleParser(readFileSync(join(outbox, file)));
      const recipient = Array.isArray(mail.to) ? mail.to[0]?.text : mail.to?.text;
      if (recipient === to) return tokenIn({ text: mail.text ?? '' });
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no ${kind} mail to ${to} in the outbox`);
}
