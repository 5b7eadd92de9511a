import type { OpenAPIObject } from '@nestjs/swagger';

type Schema = {
  $ref?: string;
  type?: string;
  format?: string;
  items?: Schema;
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
};
type Operation = {
  summary?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: Schema; description?: string }>;
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { description?: string }>;
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const cell = (text: unknown) =>
  String(text ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ');

function typeOf(schema: Schema | undefined): string {
  if (!schema) return '';
  if (schema.$ref) return schema.$ref.split('/').pop() as string;
  if (schema.type === 'array') return `${typeOf(schema.items)}[]`;
  return [schema.type, schema.format && `(${schema.format})`].filter(Boolean).join(' ');
}

function rulesOf(schema: Schema): string {
  const rules: string[] = [];
  if (schema.enum) rules.push(`one of ${schema.enum.map((v) => `\`${String(v)}\``).join(', ')}`);
  if (schema.minLength !== undefined || schema.maxLength !== undefined)
    rules.push(`${schema.minLength ?? 0}..${schema.maxLength ?? '∞'} characters`);
  if (schema.minimum !== undefined || schema.maximum !== undefined)
    rules.push(`${schema.minimum ?? '-∞'}..${schema.maximum ?? '∞'}`);
  if (schema.maxItems !== undefined) rules.push(`at most ${schema.maxItems} items`);
  if (schema.items?.maxLength !== undefined) rules.push(`items of at most ${schema.items.maxLength} characters`);
  if (schema.default !== undefined) rules.push(`default ${JSON.stringify(schema.default)}`);
  if (schema.description) rules.push(schema.description);
  return rules.join('; ');
}

function authOf(operation: Operation): string {
  if (!operation.security?.length) return operation.responses?.['401'] ? 'a credential' : 'public';
  return operation.security.map((entry) => Object.keys(entry).map((name) => `\`${name}\``)).join(' or ');
}

/**
 * The HTTP reference in Markdown, made from the app's OpenAPI document alone, so that it says what
 * the code does: every route with what it accepts, its body and parameters, and its answers.
 */
export function renderHttpReference(document: OpenAPIObject): string {
  const lines: string[] = [
    '# HTTP reference',
    '',
    'Generated from the OpenAPI document of the reference app (`npm run docs:http`); `npm test` fails when this page and',
    'the code disagree. Every body is JSON; errors have Nest’s shape `{ "statusCode", "message", "error" }` and never hold a',
    'stack trace, an SQL fragment, a token or a password. Unsafe requests (POST, PUT, PATCH, DELETE) authenticated by the',
    'session cookie carry `X-CSRF-Token`; bodies over 10 kB get 413, non-JSON bodies on the module’s routes 415.',
    '',
    '## Credentials',
    '',
    '| name in `@Auth` | sent as |',
    '| --- | --- |',
  ];
  const schemes = (document.components?.securitySchemes ?? {}) as Record<
    string,
    { type: string; in?: string; name?: string; scheme?: string }
  >;
  for (const [name, scheme] of Object.entries(schemes)) {
    const where =
      scheme.type === 'http'
        ? `\`Authorization: ${scheme.scheme === 'bearer' ? 'Bearer' : scheme.scheme} <token>\``
        : scheme.type === 'mutualTLS'
          ? 'a client certificate in the TLS handshake (or from a trusted proxy)'
          : `${scheme.in} \`${scheme.name}\``;
    lines.push(`| \`${name}\` | ${where} |`);
  }
  const byTag = new Map<string, Array<{ method: string; path: string; operation: Operation }>>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = (item as Record<string, Operation | undefined>)[method];
      if (!operation) continue;
      const tag = operation.tags?.[0] ?? 'other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), { method, path, operation }]);
    }
  }
  const schemas = (document.components?.schemas ?? {}) as Record<string, Schema>;
  for (const [tag, operations] of byTag) {
    lines.push('', `## ${tag}`);
    for (const { method, path, operation } of operations) {
      lines.push('', `### \`${method.toUpperCase()} ${path}\``, '');
      if (operation.summary) lines.push(operation.summary, '');
      lines.push(`Accepts: ${authOf(operation)}.`);
      const parameters = operation.parameters ?? [];
      if (parameters.length) {
        lines.push('', '| parameter | in | type | required | rules |', '| --- | --- | --- | --- | --- |');
        for (const p of parameters)
          lines.push(
            `| \`${p.name}\` | ${p.in} | ${cell(typeOf(p.schema))} | ${p.required ? 'yes' : 'no'} | ${cell(rulesOf(p.schema ?? {}))} |`,
          );
      }
      const body = operation.requestBody?.content?.['application/json']?.schema;
      const bodySchema = body?.$ref ? schemas[typeOf(body)] : body;
      if (bodySchema?.properties) {
        lines.push(
          '',
          `Body \`${typeOf(body)}\`:`,
          '',
          '| field | type | required | rules |',
          '| --- | --- | --- | --- |',
        );
        for (const [field, schema] of Object.entries(bodySchema.properties)) {
          lines.push(
            `| \`${field}\` | ${cell(typeOf(schema))} | ${bodySchema.required?.includes(field) ? 'yes' : 'no'} | ${cell(rulesOf(schema))} |`,
          );
        }
      }
      const responses = Object.entries(operation.responses ?? {}).sort(([a], [b]) => a.localeCompare(b));
      if (responses.length) {
        lines.push('', '| answer | meaning |', '| --- | --- |');
        for (const [status, response] of responses) lines.push(`| ${status} | ${cell(response.description)} |`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
