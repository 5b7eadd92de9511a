/** Where the pages find the module's HTTP routes: the routes' prefix, as a path (`/auth`). */
export interface PagesOptions {
  apiPrefix: string;
}

export const PAGES_OPTIONS = Symbol('PAGES_OPTIONS');
