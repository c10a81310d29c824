import { readFileSync } from 'node:fs';
import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents from the server's checked-in schema: an operation that disagrees with
// ../schema.graphql fails `npm run build` here.
const serverSchema = '../schema.graphql';
const pending = /\blogin\(/.test(readFileSync(serverSchema, 'utf8'))
  ? []
  : ['schema.pending.graphql'];
if (pending.length > 0) {
  console.warn(`codegen: ${serverSchema} lacks login(); adding schema.pending.graphql`);
}

const config: CodegenConfig = {
  schema: [serverSchema, ...pending],
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
