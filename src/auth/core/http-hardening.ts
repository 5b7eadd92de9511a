import { ValidationPipe } from '@nestjs/common';

/** Input validation of the module's own routes: unknown fields and wrong types are 400, nothing is coerced. */
export const authValidationPipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  transformOptions: { enableImplicitConversion: false },
  forbidUnknownValues: true,
});
