import { CanActivate, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { PASSKEY_OPTIONS, ResolvedPasskeyOptions } from './passkeys.options';

/** Without a relying party configured there are no passkey routes: 404, as for any route that does not exist. */
@Injectable()
export class PasskeysConfigured implements CanActivate {
  constructor(@Inject(PASSKEY_OPTIONS) private readonly options: Pick<ResolvedPasskeyOptions, 'enabled'>) {}

  canActivate(): boolean {
    if (!this.options.enabled) throw new NotFoundException();
    return true;
  }
}
