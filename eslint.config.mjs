// Lint: promises are awaited (no-floating-promises), and the architecture's import rules hold
// (../shared/ARCHITECTURE.md): libs through their root alias only, TypeORM only in
// libs/persistence, drivers only in the controller, the agent and the CLI stay thin.
import tseslint from 'typescript-eslint';

const noDeepLibImports = {
  group: ['@stratos/*/*', '**/libs/*/src/*', '**/libs/*/src/**'],
  message: 'Import a lib through its root alias (@stratos/contracts), never a deep path.',
};
const restrict = (...extra) => ['error', { patterns: [noDeepLibImports, ...extra] }];
const only = (names, why) => ({ group: names, message: why });

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      '@typescript-eslint/no-empty-object-type': 'off',
      '@typescript-eslint/no-unsafe-declaration-merging': 'off', // settings classes merge with their config interface on purpose
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['libs/persistence/**'],
    rules: { 'no-restricted-imports': restrict(only(['typeorm', 'typeorm/*'], 'Only libs/persistence imports TypeORM.')) },
  },
  {
    files: ['libs/contracts/**/*.ts'],
    rules: { 'no-restricted-imports': restrict(only(['@stratos/*', '@nestjs/*', 'typeorm', 'mqtt'], 'libs/contracts imports nothing of the project and does no I/O.')) },
  },
  {
    files: ['apps/cartridge-agent/**/*.ts'],
    rules: { 'no-restricted-imports': restrict(only(['@stratos/persistence', '@stratos/iaas', '@stratos/runtime', '@nestjs/*', 'typeorm'], 'The agent imports libs/contracts and libs/templating, nothing else.')) },
  },
  {
    files: ['apps/cli/**/*.ts'],
    rules: { 'no-restricted-imports': restrict(only(['@stratos/persistence', '@stratos/iaas', '@stratos/runtime', 'mqtt', 'typeorm'], 'The CLI speaks HTTP; it imports libs/contracts (and libs/templating for offline rendering).')) },
  },
  {
    files: ['apps/stratos-manager/**/*.ts', 'apps/platform/**/*.ts'],
    rules: { 'no-restricted-imports': restrict(only(['@stratos/iaas'], 'Only the cloud controller drives the IaaS.'), only(['typeorm'], 'Only libs/persistence imports TypeORM.')) },
  },
  {
    // The console: a browser bundle with its own tsconfig (DOM, JSX), speaking only HTTP; of the contracts, types and the browser-safe values (libs/contracts/src/browser.ts).
    files: ['apps/console/**/*.ts', 'apps/console/**/*.tsx'],
    languageOptions: { parserOptions: { project: './apps/console/tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    rules: { 'no-restricted-imports': restrict(only(['@stratos/persistence', '@stratos/iaas', '@stratos/runtime', '@stratos/templating', '@nestjs/*', 'mqtt', 'typeorm', 'node:*'], 'The console runs in a browser and speaks HTTP to the manager only.')) },
  },
  {
    files: ['test/**/*.ts', '**/*.spec.ts'],
    rules: { 'no-restricted-imports': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
