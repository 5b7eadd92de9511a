import { Controller, Get, Header } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AuthRoutes } from '../routes/auth-routes.decorator';
import { Documented } from '../routes/documented.decorator';
import { Public } from '../core/auth.decorator';
import { JwtKeyRing, PublicJwk } from './jwt-key-ring';

@ApiTags('tokens')
@AuthRoutes()
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: JwtKeyRing) {}

  /** Public keys of every key that verifies, so other services can check our access tokens; empty under HS256. */
  @Public()
  @Documented('Public keys of every key that verifies access tokens', {
    200: '`{keys: [...]}` with `kid`, `alg`, `use: "sig"`; empty under HS256',
  })
  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  jwks(): { keys: PublicJwk[] } {
    return { keys: this.keys.publicJwks() };
  }
}
