// marked-terminal highlights code blocks through cli-highlight, which requires highlight.js with
// all of its ~190 languages: ~150 ms before the first lesson shows. The lessons use a handful.
// This puts highlight.js's core with those languages in the module cache under the id
// cli-highlight will require, before marked-terminal is imported. A fence in another language
// is printed in one colour (marked-terminal's fallback); if the packages are laid out differently
// than expected, nothing is done and the full highlight.js loads as before.
import Module, { createRequire } from 'node:module';

export const HIGHLIGHT_LANGUAGES = ['typescript', 'javascript', 'json', 'yaml', 'bash', 'shell', 'plaintext', 'xml', 'dockerfile'];

interface HighlightCore {
  registerLanguage(name: string, language: unknown): void;
}

let preloaded = false;

/**
 * cli-highlight colours with its own chalk 4, which decides from this process's stdout: a render
 * made ahead of time (not in a terminal) would come out without colour. Sets its level for one
 * render; returns a function that restores it.
 */
export function forceHighlightColor(on: boolean): () => void {
  try {
    const require = createRequire(import.meta.url);
    const fromMarkedTerminal = createRequire(require.resolve('marked-terminal'));
    const fromCliHighlight = createRequire(fromMarkedTerminal.resolve('cli-highlight'));
    const chalk4 = fromCliHighlight('chalk') as { level: number };
    const previous = chalk4.level;
    chalk4.level = on ? Math.max(previous, 1) : 0;
    return () => void (chalk4.level = previous);
  } catch {
    return () => {};
  }
}

export function preloadHighlightSubset(): void {
  if (preloaded) return;
  preloaded = true;
  try {
    const require = createRequire(import.meta.url);
    const fromMarkedTerminal = createRequire(require.resolve('marked-terminal'));
    const fromCliHighlight = createRequire(fromMarkedTerminal.resolve('cli-highlight'));
    const fullId = fromCliHighlight.resolve('highlight.js');
    if (require.cache[fullId]) return;
    const core = fromCliHighlight('highlight.js/lib/core') as HighlightCore;
    for (const language of HIGHLIGHT_LANGUAGES) {
      core.registerLanguage(language, fromCliHighlight(`highlight.js/lib/languages/${language}`));
    }
    const cached = new Module(fullId);
    cached.filename = fullId;
    cached.loaded = true;
    cached.exports = core;
    require.cache[fullId] = cached;
  } catch {
    // Leave it to the full highlight.js.
  }
}
