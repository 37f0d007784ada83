// Generates TypeScript types from an OpenAPI document with openapi-typescript:
//   node tools/typed-client/generate.mjs <openapi.json> <out.d.ts>
// `rootTypes` also exports each component by name (`SchemaUser`, …) next to `components['schemas']['User']`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';

const [input, output] = process.argv.slice(2);
if (!input || !output) throw new Error('usage: generate.mjs <openapi.json> <out.d.ts>');
const ast = await openapiTS(JSON.parse(readFileSync(input, 'utf8')), { rootTypes: true });
mkdirSync(dirname(output), { recursive: true });
writeFileSync(output, astToString(ast));
