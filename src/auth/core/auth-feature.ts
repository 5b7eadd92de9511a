import type { DynamicModule, Type } from '@nestjs/common';
import type { EntitySchema } from 'typeorm';
import type { SchemaContext } from './database';

/** A migration class, as TypeORM takes it. */
export type MigrationClass = new () => object;

/**
 * One thing a host lists in `AuthModule.forRoot({ features: [...] })`: a mechanism, a way to sign in,
 * an operational add-on. From the list alone follow the options read, the modules built, the routes
 * mounted, the tables and the migrations; nothing unlisted is loaded, mounted or created. `core/`
 * composes features it knows only through this contract.
 */
export interface AuthFeature {
  /** Unique within a list; what start-up errors and `requires` name. */
  readonly name: string;
  /** Features that must be listed beside this one (checked at start, with one line naming the missing one). */
  readonly requires?: readonly string[];
  /**
   * Packages the feature loads that a host installs only when it lists the feature (optional peer
   * dependencies): checked at start, so a missing one stops the app with the install command.
   */
  readonly packages?: readonly string[];
  /** The mechanism it registers, and where `@Auth()` tries it: lower rank first (a browser's session before a bearer token). */
  readonly mechanism?: { name: string; rank: number };
  /** The issuer it registers (`login/`'s funnel ends in it by this name); routes marked `@IssuingRoute(name)` need it listed. */
  readonly issuer?: string;
  /** Resolves and validates its part of the options once, at start, under its own token; unlisted features read nothing. */
  readonly options?: ReadonlyArray<{ token: symbol; resolve(options: object): unknown }>;
  /** The module's telemetry, when the feature provides one (metrics); without one, counts go nowhere. */
  readonly telemetry?: Type;
  /** The feature's Nest module, given the modules every feature may import and how the module is composed. */
  module(base: DynamicModule[], composition: FeatureComposition): DynamicModule;
  /** Controllers mounted under the routes prefix; those marked `@IssuingRoutes(name)` only when that issuer is listed. */
  readonly controllers?: readonly Type[];
  /** Controllers mounted at the root, beside the host's routes (`/.well-known/jwks.json`), or under `rootPath`. */
  readonly rootControllers?: readonly Type[];
  readonly rootPath?: string;
  /** The feature's tables, for the host's DataSource. */
  readonly schemas?: ReadonlyArray<(context: SchemaContext) => EntitySchema>;
  /** The feature's migrations; `builtInUsers` says whether `auth_users` exists to point foreign keys at. */
  migrations?(context: { builtInUsers: boolean }): MigrationClass[];
}

/** What a feature's module may know of the composition it is part of. */
export interface FeatureComposition {
  /** Where the built-in routes are mounted (`auth`), or null without them. */
  routesPrefix: string | null;
  /** The names of the features listed beside it. */
  listed: ReadonlySet<string>;
}

/** The feature list in the order features depend on each other, or the one line that says what is wrong with it. */
export function checkFeatures(features: readonly AuthFeature[]): AuthFeature[] {
  checkNestVersion();
  const names = new Set<string>();
  for (const feature of features) {
    if (!feature || typeof feature.module !== 'function')
      throw new Error('AuthModule: features holds something that is not a feature');
    if (names.has(feature.name)) throw new Error(`AuthModule: feature "${feature.name}" is listed twice`);
    names.add(feature.name);
  }
  for (const feature of features) {
    for (const needed of feature.requires ?? []) {
      if (!names.has(needed))
        throw new Error(`AuthModule: feature "${feature.name}" needs feature "${needed}" listed too`);
    }
    for (const pkg of feature.packages ?? []) requirePackage(feature.name, pkg);
  }
  return [...features];
}

/** Like @nestjs/terminus: a listed feature whose optional peer is missing stops the app with the command that installs it. */
function requirePackage(feature: string, pkg: string): void {
  try {
    require.resolve(pkg);
  } catch {
    throw new Error(`AuthModule: feature "${feature}" needs the package "${pkg}": npm install ${pkg}`);
  }
}

/** The Nest majors this package is built and tested against; another one stops the app with one line instead of failing later. */
const SUPPORTED_NEST_MAJORS = [11, 12];

function checkNestVersion(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { version } = require('@nestjs/core/package.json') as { version: string };
  const major = Number(version.split('.')[0]);
  if (!SUPPORTED_NEST_MAJORS.includes(major)) {
    throw new Error(
      `AuthModule: @nestjs/core ${version} is not supported; install Nest ${SUPPORTED_NEST_MAJORS.join(' or ')}`,
    );
  }
}
