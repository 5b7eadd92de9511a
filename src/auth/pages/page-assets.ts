import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { AUTH_EVENT_TYPES } from '../audit/auth-event.entity';

export interface PageAsset {
  contentType: string;
  body: Buffer;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The folder of the pages' HTML, CSS and browser modules. They are plain files, not compiled: `nest
 * build` copies them beside the compiled module (nest-cli.json `assets`), and a build by `tsc` alone (the
 * test run) leaves them in the source tree, three folders up from `dist/src/auth/pages`.
 */
export function pageAssetsFolder(): string {
  const beside = join(__dirname, 'assets');
  if (existsSync(join(beside, 'account.html'))) return beside;
  const source = resolve(__dirname, '../../../../src/auth/pages/assets');
  if (existsSync(join(source, 'account.html'))) return source;
  throw new Error(`AuthPagesModule: the page assets are neither in ${beside} nor in ${source}`);
}

const escapeAttribute = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

/**
 * Every file the pages serve, read once at start: the folder's own files and the QR code library, under
 * their bare names, and the WebAuthn library under `webauthn/` (nothing else on the disk can be asked
 * for). The HTML learns whether passkeys are on and the admin page the audit event types from meta tags
 * filled in here; where the pages and the API are mounted is filled in by `mountPageAssets` once known.
 */
export function loadPageAssets(passkeysEnabled = false): Map<string, PageAsset> {
  const folder = pageAssetsFolder();
  const assets = new Map<string, PageAsset>();
  for (const name of readdirSync(folder)) {
    const contentType = CONTENT_TYPES[extname(name)];
    if (!contentType) continue;
    let body = readFileSync(join(folder, name));
    if (name.endsWith('.html')) {
      body = Buffer.from(
        body
          .toString('utf8')
          .replaceAll('{{passkeys}}', passkeysEnabled ? 'on' : 'off')
          .replaceAll('{{auditEventTypes}}', escapeAttribute(AUTH_EVENT_TYPES.join(' '))),
      );
    }
    assets.set(name, { contentType, body });
  }
  assets.set('qrcode.mjs', {
    contentType: CONTENT_TYPES['.mjs'],
    body: readFileSync(join(dirname(require.resolve('qrcode-generator')), 'qrcode.mjs')),
  });
  for (const [name, body] of webAuthnBrowserModules())
    assets.set(`webauthn/${name}`, { contentType: CONTENT_TYPES['.js'], body });
  return assets;
}

/** Where the app really answers: `apiPrefix` the module's routes (`/api/auth`), the rest pages' paths (`/api/account`). */
export interface PagePaths {
  apiPrefix: string;
  accountPath: string;
  adminPath: string;
  assetsPath: string;
}

/**
 * The pages with the paths they are served at filled into their links and meta tags (`{{apiPrefix}}`,
 * `{{accountPath}}`, `{{adminPath}}`, `{{assetsPath}}`): the browser modules read them through `paths.js`.
 */
export function mountPageAssets(assets: ReadonlyMap<string, PageAsset>, paths: PagePaths): Map<string, PageAsset> {
  const mounted = new Map(assets);
  for (const [name, asset] of assets) {
    if (!name.endsWith('.html')) continue;
    let html = asset.body.toString('utf8');
    for (const [key, value] of Object.entries(paths)) html = html.replaceAll(`{{${key}}}`, escapeAttribute(value));
    mounted.set(name, { ...asset, body: Buffer.from(html) });
  }
  return mounted;
}

/**
 * @simplewebauthn/browser's ES build (the WebAuthn JSON conversions of the passkey pages), file by file
 * under its own relative paths (`index.js`, `methods/startRegistration.js`, ...), so that its imports of
 * one another resolve under `<account page>/assets/webauthn/`.
 */
function webAuthnBrowserModules(): Map<string, Buffer> {
  const root = join(dirname(require.resolve('@simplewebauthn/browser')), '..', 'esm');
  const modules = new Map<string, Buffer>();
  const walk = (folder: string, prefix: string) => {
    for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
      const name = `${prefix}${entry.name}`;
      if (entry.isDirectory()) walk(name, `${name}/`);
      else if (entry.name.endsWith('.js')) modules.set(name, readFileSync(join(root, name)));
    }
  };
  walk('', '');
  return modules;
}
