import type { INestApplication } from '@nestjs/common';
import type { DocumentBuilder } from '@nestjs/swagger';
import { AuthMechanisms } from './auth-mechanism';
import { RouteRequirements } from './route-requirements';

/**
 * Adds the security scheme of every mechanism of the app's AuthModule to an OpenAPI document,
 * under the name `@Auth` uses for it, and gives the routes of `@Auth()` the security of every
 * mechanism. Call it on the created app, before `SwaggerModule.createDocument`.
 *
 * @example
 * const document = SwaggerModule.createDocument(app, addAuthSecuritySchemes(new DocumentBuilder().setTitle('api'), app).build());
 */
export function addAuthSecuritySchemes(builder: DocumentBuilder, app: INestApplication): DocumentBuilder {
  app.get(RouteRequirements, { strict: false }).readAllRoutes();
  for (const mechanism of app.get(AuthMechanisms, { strict: false }).all())
    builder.addSecurity(mechanism.name, mechanism.securityScheme);
  return builder;
}
