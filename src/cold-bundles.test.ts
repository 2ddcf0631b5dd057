// The bundles the build makes for the cold path (src/cold-bundles.ts) do what the modules they
// replace do: every text of the course renders to the same bytes, with and without colour, and
// the course loads the same, its mistakes reported in the same words. The tests' global setup
// builds them (test/global-setup.ts), as `npm run build` does.
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHECK_API_BUNDLE } from './cold-load.js';
import { texts } from './commands/prerender.js';
import { loadCourse } from './course/manifest.js';
import { PACKAGE_ROOT } from './course/workbook.js';
import { prerenderMarkdown } from './ui/markdown.js';
import { scratchDir } from '../test/helpers/temp.js';

/** A bundle as the build made it, loaded as the CLI loads it (dist/cold-load.js). */
async function bundle<T>(name: 'renderer' | 'loader'): Promise<T> {
  const { loadColdBundle } = (await import(pathToFileURL(path.join(PACKAGE_ROOT, 'dist', 'cold-load.js')).href)) as typeof import('./cold-load.js');
  const loaded = loadColdBundle<T>(name);
  if (!loaded) throw new Error(`dist/ has no ${name} bundle: run npm run build`);
  return loaded;
}

describe('the cold path’s bundles', () => {
  it('render every lesson, task and hint of the course exactly as the renderer’s modules do', async () => {
    const bundled = await bundle<typeof import('./ui/markdown.js')>('renderer');
    const all = loadCourse(PACKAGE_ROOT).items.flatMap(texts);
    expect(all.length).toBeGreaterThan(20);
    for (const text of all) {
      for (const color of [true, false]) {
        expect(await bundled.prerenderMarkdown(text, { color })).toBe(await prerenderMarkdown(text, { color }));
      }
    }
  });

  it('load the course as the loader’s modules do, and word a mistake in it the same', async () => {
    const bundled = await bundle<typeof import('./course/manifest.js')>('loader');
    expect(JSON.stringify(bundled.loadCourse(PACKAGE_ROOT))).toBe(JSON.stringify(loadCourse(PACKAGE_ROOT)));
    const root = scratchDir('bundle-manifest');
    cpSync(path.join(PACKAGE_ROOT, 'modules'), path.join(root, 'modules'), { recursive: true });
    const file = path.join(root, 'modules', '04-pubsub', 'module.yaml');
    const original = readFileSync(file, 'utf8');
    const message = (load: typeof loadCourse) => {
      try {
        load(root);
        return 'loaded';
      } catch (error) {
        return `${(error as Error).name}: ${(error as Error).message}`;
      }
    };
    for (const broken of [original.replace(/timeoutSeconds: \d+/, 'timeoutSeconds: soon'), `${original}\n  - : [\n`]) {
      writeFileSync(file, broken);
      expect(message(bundled.loadCourse)).toMatch(/^ManifestError: /);
      expect(message(bundled.loadCourse)).toBe(message(loadCourse));
    }
  });

  it('give a check’s worker the whole check API in one file, for every check of the course', async () => {
    const bundled = (await import(pathToFileURL(path.join(PACKAGE_ROOT, 'dist', CHECK_API_BUNDLE)).href)) as Record<string, unknown>;
    const modules = (await import('./harness/check-api.js')) as Record<string, unknown>;
    expect(Object.keys(bundled).sort()).toEqual(Object.keys(modules).sort());
    expect(Object.keys(bundled)).toContain('startEnvironment');
    // Any other door into src/ would load a second copy of the harness beside the bundle.
    const checkFiles = readdirSync(path.join(PACKAGE_ROOT, 'checks'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(checkFiles.length).toBeGreaterThan(10);
    for (const file of checkFiles) {
      const imports = [...readFileSync(path.join(PACKAGE_ROOT, 'checks', file), 'utf8').matchAll(/from '((?:\.\.\/)+src\/[^']+)'/g)].map((m) => m[1]);
      for (const specifier of imports) expect(specifier, file).toMatch(/^(\.\.\/)+src\/harness\/check-api\.js$/);
    }
  });
});
