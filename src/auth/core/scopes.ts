import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/** `reports`, `reports:read`, `billing.invoices:write`: letters, digits, `_.-`, parts joined by `:`. */
export const SCOPE_PATTERN = /^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.*-]+)*$/;
export const MAX_SCOPES = 50;
export const MAX_SCOPE_LENGTH = 64;

export const isScope = (scope: string): boolean => scope.length <= MAX_SCOPE_LENGTH && SCOPE_PATTERN.test(scope);

/** The `scopes` field of a scoped credential (an API key, a certificate binding): optional, unique, well-formed. */
export function ScopesProperty(example: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: [String], example: [example], maxItems: MAX_SCOPES }),
    IsOptional(),
    IsArray(),
    ArrayMaxSize(MAX_SCOPES),
    ArrayUnique(),
    IsString({ each: true }),
    MaxLength(MAX_SCOPE_LENGTH, { each: true }),
    Matches(SCOPE_PATTERN, { each: true, message: 'each scope must look like resource:action' }),
  );
}
