import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { EntityManager } from 'typeorm';

/**
 * What one feature keeps about a user, as the administration of accounts sees it: the admin's view
 * of a user, ending one item (a session, a refresh-token family), the user's export and the
 * deletion of the account. Each feature
 * registers its own parts at start; the accounts module knows them only through this contract, so
 * adding a feature adds its rows to the admin's view without touching the accounts module.
 */
export interface AccountPart {
  /** The key of the part in the admin's view and the export (`sessions`, `tokenFamilies`); unique within a module. */
  readonly name: string;
  /** The path segment of its items under `/admin/users/:id/` when an admin may end one of them (`token-families`). */
  readonly itemPath?: string;
  /** What an admin sees of the user's part: metadata only, never a secret, a hash or a session ID. */
  view?(userId: string): Promise<unknown>;
  /** What the user's own export holds of it; the view when absent. Never a secret or a hash either. */
  export?(userId: string): Promise<unknown>;
  /**
   * Ends one item of the user by its public id, on every instance within a second, and audits it as
   * done by `by.actorId` (an admin); false when it is not theirs.
   */
  end?(userId: string, itemId: string, by: { actorId?: string; request?: Request }): Promise<boolean>;
  /**
   * Why the account may not be deleted now (the 409's message: the last owner of an organization),
   * or undefined. Asked before anything ends; `remove` checks again inside the deletion's transaction.
   */
  refusesRemoval?(userId: string): Promise<string | undefined>;
  /**
   * Deletes the part's rows of the user in the deletion's transaction (`manager`, which also deletes
   * the user and writes the audit event), after every credential of the user has ended on every
   * instance. Rows tied to the built-in users table would go with it anyway; a host's table has no
   * such tie. Throws ConflictException to refuse (a race with `refusesRemoval`), which undoes it all.
   */
  remove?(userId: string, manager: EntityManager): Promise<void>;
}

/** The account parts of one AuthModule instance; each feature adds its own at start. Never process-global. */
@Injectable()
export class AccountParts {
  private readonly byName = new Map<string, AccountPart>();

  add(part: AccountPart): void {
    if (this.byName.has(part.name)) throw new Error(`AuthModule: account part "${part.name}" is registered twice`);
    this.byName.set(part.name, part);
  }

  all(): AccountPart[] {
    return [...this.byName.values()];
  }

  /** The parts an admin's view shows (those with a `view`). */
  viewed(): Array<AccountPart & Required<Pick<AccountPart, 'view'>>> {
    return this.all().filter((part): part is AccountPart & Required<Pick<AccountPart, 'view'>> => !!part.view);
  }

  /** The part whose items an admin ends under `itemPath`, if any. */
  byItemPath(itemPath: string): AccountPart | undefined {
    return this.all().find((part) => part.itemPath === itemPath && part.end);
  }
}
