import { describe, expect, it, vi } from 'vitest';
import { visibleLength } from './layout.js';
import { renderMarkdown } from './markdown.js';

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

describe('text that fits', () => {
  const widest = (text: string) => Math.max(...text.split('\n').map(visibleLength));

  it('joins a list item written over several lines into one, wrapped evenly (not ragged)', async () => {
    const out = await renderMarkdown('- **Redelivery.** Pub/sub delivers at least once: any event can arrive twice. Handle each\n  (topic, order) once: what a service saved says what it did.', { width: 60, color: false });
    expect(out.split('\n')).toEqual([
      '  * Redelivery. Pub/sub delivers at least once: any event',
      '    can arrive twice. Handle each (topic, order) once: what',
      '    a service saved says what it did.',
    ]);
  });

  it('never splits inline code, and gives code longer than the line a line of its own', async () => {
    const long = 'curl -X POST localhost:5030/channels/sms/fail-next -H \'content-type: application/json\'';
    const out = await renderMarkdown(`Run \`npx course run notifications\` first, then in another terminal \`${long}\` and look.`, { width: 50, color: false });
    const lines = out.split('\n');
    expect(lines.some((line) => line.includes('npx course run notifications'))).toBe(true);
    expect(lines).toContain(long);
    expect(lines.filter((line) => line !== long).every((line) => visibleLength(line) <= 50)).toBe(true);
  });

  it('splits a long shell command between arguments with a continuation, never inside quotes', async () => {
    const md = "```sh\ncurl -X POST localhost:6002/stock -H 'content-type: application/json' -d '{\"sku\":\"mug\",\"available\":3}'\n```";
    expect((await renderMarkdown(md, { width: 80, color: false })).split('\n')).toEqual([
      "  curl -X POST localhost:6002/stock -H 'content-type: application/json' \\",
      '    -d \'{"sku":"mug","available":3}\'',
    ]);
    expect(await renderMarkdown(md, { width: 120, color: false })).toBe(`  ${md.split('\n')[1]}`);
  });

  const table = [
    '| service (file) | listens to | does | publishes |',
    '|---|---|---|---|',
    '| inventory (`inventory.ts`) | `order.created` | reserves the stock | `stock.reserved`, or `stock.rejected` when there is not enough |',
    '| order | `shipping.scheduled` | completes the order | |',
  ].join('\n');

  it('draws a table that fits as it is', async () => {
    const out = await renderMarkdown(table, { width: 140, color: false });
    expect(out).toContain('│ inventory (inventory.ts) │ order.created      │ reserves the stock  │ stock.reserved, or stock.rejected when there is not enough │');
  });

  it('wraps the cells of a table that does not fit, at word boundaries', async () => {
    for (const color of [false, true]) {
      const out = await renderMarkdown(table, { width: 80, color });
      expect(widest(out)).toBeLessThanOrEqual(80);
      expect(out.replace(/\u001b\[[0-9;]*m/g, '')).toMatch(/│ stock\.reserved,\s+│/);
    }
  });

  it('lays a table out one record at a time when its words cannot fit in columns', async () => {
    const out = await renderMarkdown(table, { width: 44, color: false });
    expect(widest(out)).toBeLessThanOrEqual(44);
    expect(out.split('\n').slice(0, 6)).toEqual([
      'inventory (inventory.ts)',
      '  listens to: order.created',
      '  does: reserves the stock',
      '  publishes: stock.reserved, or',
      '    stock.rejected when there is not enough',
      '',
    ]);
  });

  it('renders once for every width: the same text laid out at 60 and at 100', async () => {
    const words = 'word '.repeat(40).trim();
    const narrow = await renderMarkdown(`${words}\n\n${table}`, { width: 60, color: false });
    const wide = await renderMarkdown(`${words}\n\n${table}`, { width: 100, color: false });
    expect(widest(narrow)).toBeLessThanOrEqual(60);
    expect(widest(wide)).toBeGreaterThan(60);
  });
});
