import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents from the server's checked-in schema: an operation that disagrees with
// ../schema.graphql fails `npm run build` here.
const config: CodegenConfig = {
  schema: '../schema.graphql',
  documents: ['src/**/*.{ts,tsx}', '!src/gql/**/*'],
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        strictScalars: true,
        scalars: { DateTime: 'string', JSON: 'unknown' },
        skipTypename: true,
        dedupeFragments: true,
      },
    },
  },
};

export default config;
