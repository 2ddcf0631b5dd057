// Run after tsc (npm's build script): bundles the two heavy modules a first `course next` may
// need into one minified file each, loaded in their place: the markdown renderer
// (dist/ui/markdown.js with marked, marked-terminal, cli-highlight, parse5, chalk...) as
// dist/ui/markdown.bundle.cjs, and the course loader (dist/course/manifest.js with yaml and zod) as
// dist/course/manifest.bundle.cjs (loaded by src/cold-load.ts). Importing ~200 small modules cost more than the work itself
// (resolving, reading and compiling each), so a lesson not rendered ahead of time (one an author
// is editing) shows that much sooner. They do what the modules do (src/cold-bundles.test.ts).
// highlight.js is bundled with only the languages the lessons use, as highlight-subset.ts arranges
// for the unbundled renderer. Where a bundle is missing (tests run src/ through tsx), the modules
// are loaded as they are.
// A third bundle is for every check's worker: the harness API that checks import
// (src/harness/check-api.ts, with execa, zod and yaml inside) as dist/harness/check-api.bundle.js,
// which `course check` gives the worker in its place (src/grading/run-check.ts). It is ESM and sits
// beside the modules it replaces, so that their `import.meta.url` paths still hold.
import { build, type PluginBuild } from 'esbuild';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHECK_API_BUNDLE, COLD_BUNDLES } from './cold-load.js';
import { HIGHLIGHT_LANGUAGES } from './ui/highlight-subset.js';

const dist = path.dirname(fileURLToPath(import.meta.url));
const here = path.join(dist, 'ui');
const require = createRequire(import.meta.url);
const fromCliHighlight = createRequire(createRequire(require.resolve('marked-terminal')).resolve('cli-highlight'));

/** What the bundle has in place of highlight-subset.js: the same work, done by the bundler. */
const bundledSubset = `
import core from ${JSON.stringify(fromCliHighlight.resolve('highlight.js/lib/core'))};
import chalk4 from ${JSON.stringify(fromCliHighlight.resolve('chalk'))};
${HIGHLIGHT_LANGUAGES.map((l, i) => `import l${i} from ${JSON.stringify(fromCliHighlight.resolve(`highlight.js/lib/languages/${l}`))};`).join('\n')}
${HIGHLIGHT_LANGUAGES.map((l, i) => `core.registerLanguage(${JSON.stringify(l)}, l${i});`).join('\n')}
export const HIGHLIGHT_LANGUAGES = ${JSON.stringify(HIGHLIGHT_LANGUAGES)};
export function preloadHighlightSubset() {}
export function forceHighlightColor(on) {
  const previous = chalk4.level;
  chalk4.level = on ? Math.max(previous, 1) : 0;
  return () => void (chalk4.level = previous);
}
`;

// CommonJS, so that src/cold-load.ts can run each with V8's code cache (node 20 has none for modules).
const options = { bundle: true, format: 'cjs', platform: 'node', target: 'node20', minify: true, legalComments: 'none', logLevel: 'warning' } as const;

/** zod's namespace carries every locale (~200 KB of the bundle); the course's messages are English. */
const englishOnly = {
  name: 'zod-english-only',
  setup(bundler: PluginBuild) {
    bundler.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${path.sep}zod${path.sep}`) ? { path: path.join(args.resolveDir, '..', 'locales', 'en.js') } : undefined,
    );
  },
};

await build({ ...options, entryPoints: [path.join(dist, 'course', 'manifest.js')], outfile: path.join(dist, COLD_BUNDLES.loader), plugins: [englishOnly] });

await build({
  ...options,
  entryPoints: [path.join(here, 'markdown.js')],
  outfile: path.join(dist, COLD_BUNDLES.renderer),
  plugins: [
    {
      name: 'highlight-subset',
      setup(bundler) {
        bundler.onResolve({ filter: /highlight-subset\.js$/ }, () => ({ path: 'highlight-subset', namespace: 'course' }));
        bundler.onLoad({ filter: /.*/, namespace: 'course' }, () => ({ contents: bundledSubset, loader: 'js', resolveDir: here }));
        bundler.onResolve({ filter: /^highlight\.js$/ }, () => ({ path: 'highlight-core', namespace: 'course-hl' }));
        // marked-terminal imports node-emoji (~200 KB of emoji names) for its emoji option, which
        // the course turns off (markdown.ts): never called.
        bundler.onResolve({ filter: /^node-emoji$/ }, () => ({ path: 'node-emoji', namespace: 'course-emoji' }));
        bundler.onLoad({ filter: /.*/, namespace: 'course-emoji' }, () => ({ contents: 'export const get = () => undefined;', loader: 'js' }));
        // cli-highlight takes highlight.js as CommonJS (its exports object is the instance).
        bundler.onLoad({ filter: /.*/, namespace: 'course-hl' }, () => ({
          contents: `module.exports = require(${JSON.stringify(fromCliHighlight.resolve('highlight.js/lib/core'))});`,
          loader: 'js',
          resolveDir: here,
        }));
      },
    },
  ],
});

await build({
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  legalComments: 'none',
  logLevel: 'warning',
  entryPoints: [path.join(dist, 'harness', 'check-api.js')],
  outfile: path.join(dist, CHECK_API_BUNDLE),
  // The same instances as the check's own imports (ioredis, vitest), and those that find files beside themselves.
  external: ['@dapr/dapr', 'ioredis', 'testcontainers', 'vitest', 'esbuild', 'tsx'],
  plugins: [englishOnly],
  // Bundled CommonJS (yaml) requires Node's modules: an ES module has no `require` of its own.
  banner: { js: "import { createRequire as __courseRequire } from 'node:module'; const require = __courseRequire(import.meta.url);" },
});
