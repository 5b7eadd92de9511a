// Lint: typescript-eslint's recommended rules, and the import direction of the module's layout
// (DESIGN.md): core/ imports nothing outside itself; a mechanism imports only core, audit and
// throttling (and the shared route helpers); ways to sign in never import session/ or jwt/; only
// the composition root names features; the reference app and the CLI import only public paths.
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const auth = './src/auth';
const mechanisms = ['session', 'jwt', 'api-key', 'mtls'];
const waysIn = ['email', 'oidc', 'mfa', 'passkeys', 'impersonation'];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'bench/**',
      'coverage/**',
      'src/auth/pages/assets/**',
      '**/*.mjs',
      '**/*.js',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [importX.createNodeResolver({ extensions: ['.ts', '.d.ts', '.js'] })] },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Nest modules and declaration merging use both on purpose.
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/no-empty-object-type': 'off',
      '@typescript-eslint/no-namespace': 'off',
      // A variable a closure reads before its one assignment (a server's handler and the server it serves) stays a let.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: import.meta.dirname,
          zones: [
            {
              target: `${auth}/core`,
              from: auth,
              except: ['./core'],
              message: 'core/ imports nothing outside itself.',
            },
            ...mechanisms.map((name) => ({
              target: `${auth}/${name}`,
              from: auth,
              except: [`./${name}`, './core', './audit', './throttling', './routes'],
              message: 'A mechanism imports only core/, audit/, throttling/ and the shared route helpers.',
            })),
            ...waysIn.map((name) => ({
              target: `${auth}/${name}`,
              from: [`${auth}/session`, `${auth}/jwt`],
              message: "A way to sign in ends in login/'s funnel; it never imports session/ or jwt/.",
            })),
          ],
        },
      ],
    },
  },
  {
    // Tests read JSON answers of any shape.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Lazy loading of a feature's module and controllers is how an unlisted feature's packages stay unloaded.
    files: ['src/auth/**/*.feature.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/auth/**/*.ts'],
    ignores: ['src/auth/index.ts', 'src/auth/**/*.feature.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/*.feature'], message: 'Only the composition root (index.ts) names features.' }] },
      ],
    },
  },
  {
    files: ['src/*.ts', 'src/{cli,config,examples,health,docs}/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.{1,2}/(\\.\\./)*auth/(?!(extend|email|mfa|passkeys|ops)$)',
              message:
                "The reference app and the CLI use the package's public paths only (index, extend, email, mfa, passkeys, ops).",
            },
          ],
        },
      ],
    },
  },
);
