// Generates TypeScript types from an OpenAPI document (a file or a URL) with openapi-typescript:
//   npm run openapi:types -- http://127.0.0.1:8787/api/openapi.json client/planlyze.d.ts
// `rootTypes` also exports each component by name (`SchemaUser`, …) next to `components['schemas']['User']`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';

const [input, output] = process.argv.slice(2);
if (!input || !output) throw new Error('usage: generate.mjs <openapi.json | URL> <out.d.ts>');
const document = /^https?:\/\//.test(input) ? await (await fetch(input)).json() : JSON.parse(readFileSync(input, 'utf8'));
const ast = await openapiTS(document, { rootTypes: true });
mkdirSync(dirname(output), { recursive: true });
writeFileSync(output, astToString(ast));
