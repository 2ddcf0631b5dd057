import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyFixture } from '../../test/helpers/fixture.js';
import { renderMarkdown } from './markdown.js';
import { renderMarkdownCached } from './render-cache.js';

describe('renderMarkdownCached', () => {
  it('renders like renderMarkdown, then serves the stored text for the same input', async () => {
    const root = copyFixture();
    const options = { width: 60, color: false };
    const first = await renderMarkdownCached(root, '- a `b`', options);
    expect(first).toBe(await renderMarkdown('- a `b`', options));
    const dir = path.join(root, '.course', 'render-cache');
    const [entry] = readdirSync(dir);
    writeFileSync(path.join(dir, entry!), 'from the cache');
    expect(await renderMarkdownCached(root, '- a `b`', options)).toBe('from the cache');
  });

  it('keys on the text and colour; one entry serves every width, laid out when shown', async () => {
    const root = copyFixture();
    const words = 'word '.repeat(30).trim();
    const narrow = await renderMarkdownCached(root, words, { width: 40, color: false });
    await renderMarkdownCached(root, 'two', { width: 60, color: false });
    const wide = await renderMarkdownCached(root, words, { width: 100, color: false });
    await renderMarkdownCached(root, words, { width: 60, color: true });
    const dir = path.join(root, '.course', 'render-cache');
    expect(readdirSync(dir)).toHaveLength(3);
    expect(readdirSync(dir).map((f) => readFileSync(path.join(dir, f), 'utf8')).sort()).toContain('\uE001two');
    expect(narrow).toBe(await renderMarkdown(words, { width: 40, color: false }));
    expect(wide).toBe(await renderMarkdown(words, { width: 100, color: false }));
    expect(narrow.split('\n').length).toBeGreaterThan(wide.split('\n').length);
  });
});
