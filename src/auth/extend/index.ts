// What a host implements or plugs in to extend the module: `import { ... } from 'nest-auth/extend'`.
export type { AuthFeature, FeatureComposition, MigrationClass } from '../core/auth-feature';
export type { AuthMechanism, AuthMechanismNames } from '../core/auth-mechanism';
export { AuthMechanisms } from '../core/auth-mechanism';
export type { CredentialIssuer } from '../core/credential-issuer';
export { CredentialIssuers } from '../core/credential-issuer';
export type { SecondFactor, SecondStepChallenge } from '../core/second-step';
export { SecondStep, SecondStepSlot } from '../core/second-step';
export type { IdentifiedUser } from '../core/identified-user';
export type { UserStore, AuthUser, NewAuthUser, UserSearch, UserPage, ListedUser } from '../core/user-store';
export { USER_STORE, EmailTakenError } from '../core/user-store';
export { runStrategy, privatePassportInstance } from '../core/passport-strategy-runner';
export { RevocationBus } from '../core/revocation-bus';
export type { RevocationEvent, RevocationEvents } from '../core/revocation-bus';
export { AUTH_REDIS } from '../core/redis.provider';
export type { AuthRedis } from '../core/redis.provider';
export { aboutRequest } from '../core/request-log';
