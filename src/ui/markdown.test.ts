import { describe, expect, it, vi } from 'vitest';
import { renderMarkdown, visibleLength, wrapListLines } from './markdown.js';

const ESC = '\u001b';

describe('renderMarkdown', () => {
  it('highlights a fence whose info string has words after the language, without an error', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const out = await renderMarkdown('```yaml no-load\nkind: Component\n```\n', { color: true });
      expect(out.replace(/\u001b\[[0-9;]*m/g, '')).toContain('kind: Component');
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }
  });

  it('formats inline code and bold inside list items instead of printing them raw', async () => {
    for (const color of [true, false]) {
      const out = await renderMarkdown('- run `npx course next` **now**\n- two', { color });
      expect(out).not.toContain('`');
      expect(out).not.toContain('**');
      expect(out.replace(/\u001b\[[0-9;]*m/g, '')).toContain('* run npx course next now');
    }
    const colored = await renderMarkdown('- run `npx course next`', { color: true });
    expect(colored).toMatch(/\u001b\[33mnpx course next\u001b\[39m/);
  });

  it('shows each task-list checkbox once', async () => {
    const tight = await renderMarkdown('- [ ] open `item`\n- [x] done item', { color: false });
    expect(tight).toContain('* [ ] open item');
    expect(tight).toContain('* [X] done item');
    const loose = await renderMarkdown('- [ ] open\n\n- [x] done', { color: false });
    expect(loose.match(/\[ \]/g)).toHaveLength(1);
    expect(loose.match(/\[X\]/g)).toHaveLength(1);
  });

  it('writes no escape code at all in plain mode, tables and links included', async () => {
    const out = await renderMarkdown(
      '# Title\n\n**b** _i_ `c` [link](https://dapr.io)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```ts\nconst x = 1;\n```\n',
      { color: false },
    );
    expect(out).not.toContain(ESC);
    expect(out).toContain('link (https://dapr.io)');
    expect(out).toContain('│ 1 │ 2 │');
  });

  it('wraps paragraphs and list items at the width, list continuations under the text', async () => {
    const words = 'word '.repeat(40).trim();
    const out = await renderMarkdown(`${words}\n\n- ${words}`, { width: 40, color: false });
    const lines = out.split('\n');
    expect(Math.max(...lines.map(visibleLength))).toBeLessThanOrEqual(40);
    const bullet = lines.findIndex((line) => line.startsWith('  * word'));
    expect(lines[bullet + 1]).toMatch(/^ {4}word/);
  });
});

describe('wrapListLines', () => {
  it('counts visible characters, not escape codes', () => {
    const colored = `  * ${ESC}[33m${'x'.repeat(5)}${ESC}[39m`;
    expect(wrapListLines(colored, 20)).toBe(colored);
  });
});
