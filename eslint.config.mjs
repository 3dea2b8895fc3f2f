// Lint for workflow code, after Temporal's TypeScript samples: workflow code runs in a deterministic sandbox and is
// replayed from history, so a forgotten await, a Node module or a nondeterministic global is a bug there.
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const nodeBuiltins = builtinModules.flatMap((name) => [name, `node:${name}`]);

export default tseslint.config(
  { ignores: ['**/node_modules/**', '.data/**', '.tools/**', 'build/**', 'prisma/*/generated/**'] },
  {
    // The workflows, and the fixture that proves each rule fires (test/unit/workflows/lint.test.ts).
    files: ['workflows/**/*.ts', 'test/fixtures/lint/**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      // A small project of its own (the workflows and what they import), so type-aware rules load in seconds.
      parserOptions: { project: 'tsconfig.workflows.json', tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // An activity or timer not awaited runs beside the workflow's logic and its failure goes unseen.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // Workflow code reaches the world only through activities: no Node modules, no clients, no databases.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Node built-ins are not available in workflow code' })),
          patterns: [
            {
              group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity', '@temporalio/testing'],
              message: 'Workflow code imports only @temporalio/workflow and @temporalio/common',
            },
            {
              group: ['**/activities/**', '**/prisma/**', '**/api/**', '**/workers/**', '**/config/**', '**/config', '**/logging/**', '**/logging'],
              message: 'Workflow code may import only types from these (activities run in workers, through proxyActivities)',
              allowTypeImports: true,
            },
          ],
        },
      ],
      // Outside the sandbox's deterministic replacements: wall-clock or random sources, I/O, the environment.
      'no-restricted-globals': [
        'error',
        ...['process', 'require', 'Buffer', '__dirname', '__filename', 'setImmediate', 'clearImmediate'].map((name) => ({
          name,
          message: 'Not available in the workflow sandbox',
        })),
        { name: 'fetch', message: 'I/O belongs in an activity' },
        { name: 'crypto', message: 'Use uuid4() from @temporalio/workflow: crypto is not replayed' },
        { name: 'WeakRef', message: 'Garbage collection is not deterministic' },
        { name: 'FinalizationRegistry', message: 'Garbage collection is not deterministic' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'performance', property: 'now', message: 'Not deterministic: use Date.now(), which replays' },
      ],
    },
  },
);
