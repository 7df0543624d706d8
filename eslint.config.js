import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules',
      'bench/results',
      'rekap-data',
      'dist',
      '.dist-stage-*',
      'bin',
      'eslint.config.js',
      '.dependency-cruiser.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // `import { z } from 'zod'` keeps every zod locale in a browser bundle (the portal's went
      // from 90 KB to 490 KB); the namespace import lets esbuild drop what is not used.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'zod',
              importNames: ['z'],
              message: "import * as z from 'zod' (a named z keeps all of zod in web bundles)",
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
);
