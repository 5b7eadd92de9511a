import type { AuthUser } from './user-store';

/** What the HTTP answers show of a user. */
export interface PublicUser {
  id: string;
  email: string;
  name: string | null;
  roles: string[];
  emailVerified: boolean;
}

export function toPublicUser(user: AuthUser): PublicUser {
  return { id: user.id, email: user.email, name: user.name, roles: user.roles, emailVerified: user.emailVerified };
}
