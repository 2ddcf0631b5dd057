// A check file and the checks/lib helpers it imports, compiled by esbuild into one ES module for
// the check's worker (check-worker.ts) to import: one compile, no loader in the worker's path.
// What stays outside the bundle is imported by Node as it is:
// - packages, from the workbook's node_modules (by absolute URL: the bundle lives in the run's folder);
// - 'vitest', as check-vitest.js: the suite functions without vitest's server;
// - the harness (`../../src/x.js`): dist/x.js where the course runs compiled (the check API as its
//   bundle, see src/cold-bundles.ts), else src/x.ts, for a worker started with tsx.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';
import { CHECK_API_BUNDLE } from '../cold-load.js';

export interface BundleSources {
  /** check-vitest's file. */
  vitest: string;
  /** dist/, where the harness is taken from its build; else src/. */
  harness: { dist: string } | { src: string };
}

/** Writes the bundle to `outfile` and returns it; rejects with esbuild's message (a syntax error, an import not found). */
export async function bundleCheck(checkFile: string, outfile: string, sources: BundleSources): Promise<string> {
  const { build } = await import('esbuild');
  await build({
    entryPoints: [checkFile],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'silent',
    plugins: [externals(sources)],
  });
  return outfile;
}

/** The check API's bundle a compiled course gives every check (src/cold-bundles.ts), if the build made one. */
export function checkApiFile(sources: BundleSources): string | undefined {
  if (!('dist' in sources.harness)) return undefined;
  const bundle = path.join(sources.harness.dist, CHECK_API_BUNDLE);
  return existsSync(bundle) ? bundle : undefined;
}

/** The file a check's `../../src/harness/check-api.js` is, which the worker loads ahead (and asks for spares). */
export function checkApiModule(sources: BundleSources): string {
  if ('src' in sources.harness) return path.join(sources.harness.src, 'harness', 'check-api.ts');
  return checkApiFile(sources) ?? path.join(sources.harness.dist, 'harness', 'check-api.js');
}

const HARNESS = /^(?:\.\.\/)+src\/(.+)\.js$/;

function externals(sources: BundleSources): Plugin {
  const url = (file: string) => ({ path: pathToFileURL(file).href, external: true });
  return {
    name: 'course-check-externals',
    setup(bundler) {
      bundler.onResolve({ filter: /^vitest$/ }, () => url(sources.vitest));
      bundler.onResolve({ filter: HARNESS }, (args) => {
        const module = HARNESS.exec(args.path)![1]!;
        if (module === 'harness/check-api') return url(checkApiModule(sources));
        if ('src' in sources.harness) return url(path.join(sources.harness.src, `${module}.ts`));
        return url(path.join(sources.harness.dist, `${module}.js`));
      });
      // A package: where esbuild finds it from the importing file, imported by Node from there.
      bundler.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === 'resolving' || args.path.startsWith('node:')) return undefined;
        const found = await bundler.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'resolving' });
        if (found.errors.length > 0 || found.external) return { errors: found.errors, external: found.external, path: found.path };
        return url(found.path);
      });
    },
  };
}
