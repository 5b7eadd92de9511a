import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { ApiSecurity } from '@nestjs/swagger';
import { AuthMechanism, AuthMechanisms } from './auth-mechanism';
import { AuthRequirementMetadata, FreshnessRequirement, PublicMetadata } from './auth-metadata';
import { RouteAuthorizers, RouteCheck } from './route-authorizers';

/** What the guard needs of a route: open to all, closed to all, or the mechanism instances it accepts. */
export type RouteRequirement =
  | { kind: 'public' }
  | { kind: 'closed' }
  | {
      kind: 'auth';
      mechanisms: AuthMechanism[];
      scopes: string[];
      roles: string[];
      fresh: FreshnessRequirement | null;
      /** What features' authorizers check on this route (`RouteAuthorizer`), in no particular order. */
      checks: RouteCheck[];
      /** Refused to a principal with an `actor`; every `fresh` route is too. */
      refusesActors: boolean;
    };

/** Where @nestjs/swagger keeps a handler's security requirements (its `ApiSecurity` metadata key). */
const OPENAPI_SECURITY = 'swagger/apiSecurity';
const PUBLIC: RouteRequirement = { kind: 'public' };
const CLOSED: RouteRequirement = { kind: 'closed' };

/**
 * One rule for every route: the handler's own `@Auth` or `@Public` decides; only when it has neither
 * does its class's; with neither anywhere the route is closed. Both on one target is a contradiction,
 * refused at start. Answers are kept per (controller class, handler), so subclasses that inherit one
 * handler keep their own class-level decorators.
 */
@Injectable()
export class RouteRequirements implements OnApplicationBootstrap {
  private readonly known = new WeakMap<object, WeakMap<object, RouteRequirement>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly mechanisms: AuthMechanisms,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly authorizers: RouteAuthorizers,
  ) {}

  /**
   * Reads every route of the app once the mechanisms are registered: a route that names a mechanism
   * no module provides, or carries both decorators on one target, stops the app from starting rather
   * than fail at its first request. Routes of `@Auth()` get the OpenAPI security of every mechanism.
   */
  onApplicationBootstrap(): void {
    this.readAllRoutes();
  }

  /** Also called by `addAuthSecuritySchemes`, which may run before the app starts; reading twice changes nothing. */
  readAllRoutes(): void {
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as object | null;
      const prototype = wrapper.instance ? (Object.getPrototypeOf(wrapper.instance) as Record<string, unknown>) : null;
      if (!controller || !prototype) continue;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[methodName] as object;
        if (Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
        const requirement = this.of(controller, handler);
        if (requirement.kind === 'auth' && this.asksForAny(controller, handler)) {
          const descriptor = Object.getOwnPropertyDescriptor(prototype, methodName) ?? { value: handler };
          const documented = (Reflect.getMetadata(OPENAPI_SECURITY, handler) ?? []) as Array<Record<string, unknown>>;
          for (const mechanism of requirement.mechanisms) {
            if (!documented.some((entry) => mechanism.name in entry))
              ApiSecurity(mechanism.name)(prototype, methodName, descriptor);
          }
        }
      }
    }
  }

  of(controller: object, handler: object): RouteRequirement {
    let perHandler = this.known.get(controller);
    if (!perHandler) this.known.set(controller, (perHandler = new WeakMap()));
    let requirement = perHandler.get(handler);
    if (!requirement) perHandler.set(handler, (requirement = this.read(controller, handler)));
    return requirement;
  }

  private asksForAny(controller: object, handler: object): boolean {
    const auth =
      this.reflector.get(AuthRequirementMetadata, handler as never) ??
      this.reflector.get(AuthRequirementMetadata, controller as never);
    return auth?.mechanisms === 'any';
  }

  private read(controller: object, handler: object): RouteRequirement {
    for (const target of [handler, controller]) {
      const isPublic = this.reflector.get(PublicMetadata, target as never) === true;
      const auth = this.reflector.get(AuthRequirementMetadata, target as never);
      if (isPublic && auth)
        throw new Error(`AuthModule: ${describe(controller, handler)} has both @Auth and @Public on one target`);
      if (isPublic) return PUBLIC;
      if (auth) {
        const names =
          auth.mechanisms !== 'any'
            ? auth.mechanisms
            : this.mechanisms
                .all()
                .filter((m) => !auth.caller || m.caller === auth.caller)
                .map((m) => m.name);
        if (!names.length) {
          throw new Error(
            `AuthModule: ${describe(controller, handler)} serves ${auth.caller ?? 'any'} callers, and no listed feature authenticates them`,
          );
        }
        const mechanisms = names.map((name) => {
          const mechanism = this.mechanisms.get(name);
          if (!mechanism)
            throw new Error(
              `AuthModule: ${describe(controller, handler)} asks for mechanism "${name}", which no imported module provides`,
            );
          return mechanism;
        });
        const checks = this.authorizers.checksFor(auth.extensions ?? {}, describe(controller, handler));
        return {
          kind: 'auth',
          mechanisms,
          scopes: auth.scopes,
          roles: auth.roles,
          fresh: auth.fresh ?? null,
          checks,
          refusesActors: !!auth.fresh || auth.changesSignIn === true,
        };
      }
    }
    return CLOSED;
  }
}

function describe(controller: object, handler: object): string {
  return `${(controller as { name?: string }).name ?? 'a controller'}.${(handler as { name?: string }).name ?? 'handler'}`;
}
