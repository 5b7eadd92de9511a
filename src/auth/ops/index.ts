// Logs and health for operators: `import { createAuthLogging, AuthHealthIndicators } from '@nest-auth/core/ops'` (loads pino, @nestjs/terminus).
export { createAuthLogging, PinoLoggerService, REDACTED_PATHS } from './logging';
export type { AuthLogging, AuthLoggingOptions } from './logging';
export { AuthHealthIndicators } from './auth-health.indicators';
