// ESLint for `npm run lint`: typescript-eslint's recommended rules (not the
// type-checked set: it would parse the whole program and take minutes).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['node_modules/', 'dist/', 'cdk.out/', 'bench/out/', 'interop/', 'demo/', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', __dirname: 'readonly' } },
    rules: {
      // Unused locals are already a compile error (tsconfig noUnusedLocals); `_`-prefixed arguments keep an interface's shape.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Switched off, each for one reason:
      // - no-control-regex: canonical JSON, alert text and query output escape or refuse U+0000..U+001F on purpose.
      'no-control-regex': 'off',
    },
  },
  {
    // Product code reads one function at a time (issue 16); tests keep their describe blocks whole.
    files: ['lib/**/*.ts', 'bin/**/*.ts', 'lambdas/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }] },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      // Tests and benchmarks walk synthesized CloudFormation templates and report JSON whose shape they assert, not declare.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
