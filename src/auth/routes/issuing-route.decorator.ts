import { SetMetadata, Type } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';

const ISSUER = Symbol('nest-auth:issuer');

/**
 * A sign-in route that ends in the named issuer's credential (`session`, `jwt`): mounted only where a
 * listed feature provides that issuer, so a host without tokens has no `/auth/token` at all.
 */
export function IssuingRoute(issuer: string): MethodDecorator {
  return SetMetadata(ISSUER, issuer);
}

/**
 * The controller as mounted for these issuers: itself when every route's issuer is listed, else a
 * subclass in which the other routes are plain methods (no path, so Nest mounts nothing for them).
 */
export function mountableController<T extends Type>(controller: T, issuers: ReadonlySet<string>): T {
  const prototype = controller.prototype as Record<string, unknown>;
  const unlisted = Object.getOwnPropertyNames(prototype).filter((name) => {
    const handler = prototype[name];
    if (name === 'constructor' || typeof handler !== 'function') return false;
    const issuer = Reflect.getMetadata(ISSUER, handler) as string | undefined;
    return issuer !== undefined && !issuers.has(issuer);
  });
  if (!unlisted.length) return controller;
  const mounted = { [controller.name]: class extends controller {} }[controller.name];
  for (const name of unlisted) {
    Object.defineProperty(mounted.prototype, name, {
      value: function unmounted() {
        return undefined;
      },
    });
  }
  Reflect.defineMetadata(PATH_METADATA, Reflect.getMetadata(PATH_METADATA, controller), mounted);
  return mounted;
}
