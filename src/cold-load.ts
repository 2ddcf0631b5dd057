// Loads a bundle the build made for the cold path (src/cold-bundles.ts) with V8's code cache: the
// bundle is compiled from the cache stored beside it (`<bundle>.v8`) instead of from its source,
// and the cache holds the functions a whole run compiled too (it is made after the build's
// prerender has used them: storeCodeCaches). No cache, or one V8 rejects (another node): compiled
// from the source. No bundle (tests run src/): undefined, and the caller imports the modules.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

/** The bundles, relative to dist/. */
export const COLD_BUNDLES = { renderer: 'ui/markdown.bundle.cjs', loader: 'course/manifest.bundle.cjs' } as const;

/** The harness API of checks as one ES module, relative to dist/ (imported by a check's worker, not loaded here). */
export const CHECK_API_BUNDLE = 'harness/check-api.bundle.js';

const DIST = path.dirname(fileURLToPath(import.meta.url));
const loaded = new Map<string, vm.Script>();

export function loadColdBundle<T>(name: keyof typeof COLD_BUNDLES): T | undefined {
  const file = path.join(DIST, COLD_BUNDLES[name]);
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(`${file}.v8`);
  } catch {
    // compiled from the source
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
  const module = { exports: {} as T };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(file), module, file, path.dirname(file));
  loaded.set(file, script);
  return module.exports;
}

/** After the bundles have done a run's work: stores each one's code cache beside it (the build's prerender). */
export function storeCodeCaches(): void {
  for (const [file, script] of loaded) {
    try {
      writeFileSync(`${file}.v8.tmp`, script.createCachedData());
      renameSync(`${file}.v8.tmp`, `${file}.v8`);
    } catch {
      // only a speed-up
    }
  }
}
