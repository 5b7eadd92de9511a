import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, Equal, IsNull, LessThan, LessThanOrEqual, Repository } from 'typeorm';
import { EMAIL_OPTIONS, ResolvedEmailOptions } from './email.options';
import { MailCipher } from './mail-cipher';
import { MailTransport, OutgoingMail } from './mail-transport';
import { QueuedMail } from './queued-mail.entity';

const WORK_INTERVAL_MS = 1000;
/** How long an instance holds a mail it is sending; past it (the instance died) another one sends it. */
const LOCK_MS = 60_000;
const MAX_ATTEMPTS = 8;
const BATCH = 20;
const MAX_BATCHES_PER_ROUND = 10;

/** Turns a queued request (a reset asked for an address) into the mail to send, or null when there is none to send. */
export type MailResolver = (payload: unknown) => Promise<OutgoingMail | null>;

/**
 * Mails go out off the request path: a request stores the mail (encrypted) and answers; every
 * instance sends what is due once a second, one instance per mail, retrying failures with back-off
 * (5 s, 10 s, … up to 30 minutes, eight times). What is queued survives a restart. A failed send never
 * reaches the HTTP answer that caused it.
 */
@Injectable()
export class MailQueue implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('AuthMail');
  private readonly cipher: MailCipher;
  private readonly resolvers = new Map<string, MailResolver>();
  private timer?: NodeJS.Timeout;
  private working?: Promise<void>;
  private again = false;

  constructor(
    @InjectRepository(QueuedMail) private readonly jobs: Repository<QueuedMail>,
    private readonly transport: MailTransport,
    @Inject(EMAIL_OPTIONS) options: ResolvedEmailOptions,
  ) {
    this.cipher = new MailCipher(options.queueKeys, options.legacyQueueSecrets);
  }

  onModuleInit(): void {
    this.timer = setInterval(() => this.kick(), WORK_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.working;
  }

  /** How queued requests of `kind` become mails. */
  resolveWith(kind: string, resolver: MailResolver): void {
    this.resolvers.set(kind, resolver);
  }

  /** Queues a mail; it goes out within a second or so. With `manager`, in that transaction: the mail is queued if and only if it commits. */
  async send(mail: OutgoingMail, manager?: EntityManager): Promise<void> {
    await this.enqueue('mail', mail, manager);
  }

  /** Queues a request that a resolver turns into a mail when it is worked on. */
  async defer(kind: string, payload: unknown): Promise<void> {
    await this.enqueue(kind, payload);
  }

  /** Works the queue now (again, if it is being worked); the tests' and the shutdown's way to not wait for the timer. */
  kick(): Promise<void> {
    if (this.working) {
      this.again = true;
      return this.working;
    }
    this.working = this.work().finally(() => {
      this.working = undefined;
      if (this.again) {
        this.again = false;
        void this.kick();
      }
    });
    return this.working;
  }

  private async enqueue(kind: string, payload: unknown, manager?: EntityManager): Promise<void> {
    const now = new Date();
    await (manager ? manager.getRepository(QueuedMail) : this.jobs).insert({
      id: randomUUID(),
      kind,
      payload: this.cipher.seal(payload),
      attempts: 0,
      nextAttemptAt: now,
      lockedUntil: null,
      createdAt: now,
    });
    // Within a transaction the row is not visible until it commits: the next round of the timer sends it.
    if (!manager) void this.kick();
  }

  private async work(): Promise<void> {
    try {
      // A backlog (mails that waited out a crashed instance's lock, a burst) goes out at the transport's pace, not a
      // batch a second: a mail queued now is not held behind it for long.
      for (let round = 0; round < MAX_BATCHES_PER_ROUND; round++) {
        const now = new Date();
        const due = await this.jobs.find({
          where: [
            { nextAttemptAt: LessThanOrEqual(now), lockedUntil: IsNull() },
            { nextAttemptAt: LessThanOrEqual(now), lockedUntil: LessThan(now) },
          ],
          order: { nextAttemptAt: 'ASC' },
          take: BATCH,
        });
        for (const job of due) if (await this.claim(job)) await this.attempt(job);
        if (due.length < BATCH) break;
      }
    } catch (error) {
      this.logger.warn(`Mail queue unavailable, will retry: ${String(error)}`);
    }
  }

  /** One conditional UPDATE: of instances racing for a mail, one gets it. */
  private async claim(job: QueuedMail): Promise<boolean> {
    const { affected } = await this.jobs.update(
      { id: job.id, lockedUntil: job.lockedUntil === null ? IsNull() : Equal(job.lockedUntil) },
      { lockedUntil: new Date(Date.now() + LOCK_MS), attempts: job.attempts + 1 },
    );
    return affected === 1;
  }

  private async attempt(job: QueuedMail): Promise<void> {
    let mail: OutgoingMail | null;
    try {
      const payload = this.cipher.open(job.payload);
      mail = job.kind === 'mail' ? (payload as OutgoingMail) : await this.resolve(job, payload);
    } catch (error) {
      // Sealed under a key that was dropped from the list, or a resolver bug: it will never go out; drop it.
      this.logger.error(`Dropped a queued ${job.kind} that cannot be read: ${String(error)}`);
      await this.jobs.delete({ id: job.id });
      return;
    }
    if (!mail) return void (await this.jobs.delete({ id: job.id }));
    try {
      await this.transport.send(mail);
      await this.jobs.delete({ id: job.id });
    } catch (error) {
      await this.retryLater(job, mail, error);
    }
  }

  /** A resolved request is stored as its mail, so a retry sends the same mail (the same one-time link). */
  private async resolve(job: QueuedMail, payload: unknown): Promise<OutgoingMail | null> {
    const resolver = this.resolvers.get(job.kind);
    if (!resolver) throw new Error(`no resolver for ${job.kind}`);
    const mail = await resolver(payload);
    if (mail) await this.jobs.update({ id: job.id }, { kind: 'mail', payload: this.cipher.seal(mail) });
    return mail;
  }

  private async retryLater(job: QueuedMail, mail: OutgoingMail, error: unknown): Promise<void> {
    const attempts = job.attempts + 1;
    if (attempts >= MAX_ATTEMPTS) {
      this.logger.error(`Gave up on a mail (${mail.kind}) after ${attempts} attempts: ${String(error)}`);
      await this.jobs.delete({ id: job.id });
      return;
    }
    const delayMs = Math.min(5_000 * 2 ** (attempts - 1), 30 * 60_000);
    this.logger.warn(
      `Could not send a mail (${mail.kind}), attempt ${attempts}, next in ${Math.round(delayMs / 1000)} s: ${String(error)}`,
    );
    await this.jobs.update({ id: job.id }, { lockedUntil: null, nextAttemptAt: new Date(Date.now() + delayMs) });
  }
}
