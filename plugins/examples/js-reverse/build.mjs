// Builds app.js into a component with componentize-js (called directly; `jco componentize`
// is not used). Usage: node build.mjs <output.wasm>, with COMPONENTIZE_JS_MODULES naming the
// node_modules directory that holds @bytecodealliance/componentize-js (default: ./node_modules).
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const modules = resolve(process.env.COMPONENTIZE_JS_MODULES ?? resolve(here, 'node_modules'));
const entry = resolve(modules, '@bytecodealliance/componentize-js/src/componentize.js');
const { componentize } = await import(pathToFileURL(entry).href);

const { component } = await componentize({
  sourcePath: resolve(here, 'app.js'),
  witPath: resolve(here, 'wit'),
  worldName: 'reverse',
  // No fetch(): apps have no network in API 0.1.
  disableFeatures: ['http', 'fetch-event'],
});
await writeFile(process.argv[2], component);
