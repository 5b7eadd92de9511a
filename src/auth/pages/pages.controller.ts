import { Controller, Get, Inject, NotFoundException, Optional, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../core/auth.decorator';
import type { ResolvedPasskeyOptions } from '../passkeys/passkeys.options';
import { PASSKEY_OPTIONS } from '../passkeys/passkeys.options';
import { AuthMountPoint } from '../core/mount-point';
import { loadPageAssets, mountPageAssets, PageAsset } from './page-assets';
import { PAGES_OPTIONS, PagesOptions } from './pages.options';

/**
 * For a host that sets no Content-Security-Policy of its own (the reference app's helmet sets one, which
 * stays): the pages need nothing but their own files, and no inline script or style.
 */
const PAGES_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * The account and admin pages: static HTML and browser modules that call the module's HTTP routes like
 * any other client. The pages hold no data, so anyone may load them; what they show comes from routes
 * that check who asks.
 */
@ApiExcludeController()
@Public()
@Controller()
export class PagesController {
  private readonly loaded: Map<string, PageAsset>;
  private mounted?: Map<string, PageAsset>;

  constructor(
    @Inject(PAGES_OPTIONS) private readonly options: PagesOptions,
    private readonly mount: AuthMountPoint,
    @Optional() @Inject(PASSKEY_OPTIONS) passkeys?: Pick<ResolvedPasskeyOptions, 'enabled'>,
  ) {
    // The sign-in screen offers "Sign in with a passkey" only where its routes are on; asking a
    // throttled route on every page load would spend the visitor's sign-in attempts.
    this.loaded = loadPageAssets(passkeys?.enabled ?? false);
  }

  /** Filled in at the first request: Nest's global prefix is set after the module is built. */
  private get assets(): Map<string, PageAsset> {
    this.mounted ??= mountPageAssets(this.loaded, {
      apiPrefix: this.mount.path(this.options.apiPrefix),
      accountPath: this.mount.path('account'),
      adminPath: this.mount.path('admin'),
      assetsPath: this.mount.path('account/assets'),
    });
    return this.mounted;
  }

  @Get('account')
  account(@Res() response: Response): void {
    this.page(response, 'account.html');
  }

  /** The organization's id is read by the page from its own URL, so each tab acts in the organization it shows. */
  @Get('account/orgs/:orgId')
  organization(@Res() response: Response): void {
    this.page(response, 'org.html');
  }

  @Get('account/reset-password')
  resetPassword(@Res() response: Response): void {
    this.page(response, 'reset-password.html');
  }

  @Get('admin')
  admin(@Res() response: Response): void {
    this.page(response, 'admin.html');
  }

  @Get('account/assets/webauthn/:name')
  webAuthnModule(@Param('name') name: string, @Res() response: Response): void {
    this.asset(`webauthn/${name}`, response);
  }

  @Get('account/assets/webauthn/:folder/:name')
  webAuthnFolderModule(@Param('folder') folder: string, @Param('name') name: string, @Res() response: Response): void {
    this.asset(`webauthn/${folder}/${name}`, response);
  }

  @Get('account/assets/:name')
  asset(@Param('name') name: string, @Res() response: Response): void {
    // Only names in the map loaded at start are served: nothing else on the disk can be reached.
    const asset = name.endsWith('.html') ? undefined : this.assets.get(name);
    if (!asset) throw new NotFoundException('Not found');
    response.setHeader('Cache-Control', 'no-cache');
    response.type(asset.contentType).send(asset.body);
  }

  private page(response: Response, name: string): void {
    const asset = this.assets.get(name) as PageAsset;
    if (!response.getHeader('Content-Security-Policy')) response.setHeader('Content-Security-Policy', PAGES_CSP);
    // The reset page's URL holds a one-time token: it must not travel to another origin in a Referer.
    response.setHeader('Referrer-Policy', 'no-referrer');
    response.setHeader('Cache-Control', 'no-store');
    response.type(asset.contentType).send(asset.body);
  }
}
