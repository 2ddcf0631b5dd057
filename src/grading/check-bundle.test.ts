// A check compiled for its worker: one module whose every outside import Node can find from the
// run's temp folder; a check that cannot compile is named with esbuild's reason; and every name a
// check of the course takes from 'vitest' is one the worker's 'vitest' has.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../../test/helpers/temp.js';
import { PACKAGE_ROOT } from '../course/workbook.js';
import { bundleCheck, type BundleSources } from './check-bundle.js';
import * as checkVitest from './check-vitest.js';

const sources: BundleSources = { vitest: path.join(PACKAGE_ROOT, 'src', 'grading', 'check-vitest.ts'), harness: { src: path.join(PACKAGE_ROOT, 'src') } };

describe('bundleCheck', () => {
  it('compiles the check with checks/lib into one module, and points every outside import at a file that exists', async () => {
    const out = path.join(scratchDir('check-bundle'), 'check.mjs');
    // rabbitmq-swap's: its helpers import a package (amqplib).
    await bundleCheck(path.join(PACKAGE_ROOT, 'checks', '04-pubsub', 'rabbitmq-swap.check.ts'), out, sources);
    const text = readFileSync(out, 'utf8');
    expect(text).toContain('// checks/lib/exercise.ts');
    const outside = [...text.matchAll(/ from "([^"]+)";$/gm)].map((m) => m[1]!);
    expect(outside).toContain(`file://${sources.vitest}`);
    expect(outside).toContain(`file://${path.join(PACKAGE_ROOT, 'src', 'harness', 'check-api.ts')}`);
    expect(outside.some((s) => s.includes('/node_modules/amqplib/'))).toBe(true);
    for (const specifier of outside) {
      if (specifier.startsWith('node:')) continue;
      expect(specifier, 'a bare name would be looked up from the temp folder').toMatch(/^file:\/\//);
      expect(readFileSync(fileURLToPath(specifier)).length, specifier).toBeGreaterThan(0);
    }
  });

  it('takes the harness from dist/, the check API as its bundle, where the course runs compiled', async () => {
    const dir = scratchDir('check-bundle');
    const dist = path.join(dir, 'dist');
    mkdirSync(path.join(dist, 'harness'), { recursive: true });
    writeFileSync(path.join(dist, 'harness', 'check-api.bundle.js'), 'export const startEnvironment = 1;\n');
    const check = path.join(dir, 'checks', 'm', 'x.check.ts');
    mkdirSync(path.dirname(check), { recursive: true });
    writeFileSync(check, "import { test } from 'vitest';\nimport { startEnvironment } from '../../src/harness/check-api.js';\nimport { later } from '../../src/timeline/explain.js';\ntest('x', () => void [startEnvironment, later]);\n");
    const out = await bundleCheck(check, path.join(dir, 'check.mjs'), { vitest: sources.vitest, harness: { dist } });
    const text = readFileSync(out, 'utf8');
    expect(text).toContain(`from "file://${path.join(dist, 'harness', 'check-api.bundle.js')}"`);
    expect(text).toContain(`from "file://${path.join(dist, 'timeline', 'explain.js')}"`);
  });

  it('rejects a check that does not compile, naming the file and the line', async () => {
    const dir = scratchDir('check-bundle');
    const check = path.join(dir, 'broken.check.ts');
    writeFileSync(check, "import { test } from 'vitest';\ntest('x', () => {\n");
    await expect(bundleCheck(check, path.join(dir, 'check.mjs'), sources)).rejects.toThrow(/broken\.check\.ts:3:\d+: ERROR: Unexpected end of file/);
  });
});

describe("the 'vitest' of a check's worker", () => {
  it('has every name a check of the course imports from vitest', () => {
    const files = ['checks', path.join('test', 'fixture-course', 'checks')].flatMap((top) =>
      readdirSync(path.join(PACKAGE_ROOT, top), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts'))
        .map((f) => path.join(PACKAGE_ROOT, top, f)),
    );
    expect(files.length).toBeGreaterThan(10);
    const names = new Set(
      files.flatMap((file) =>
        [...readFileSync(file, 'utf8').matchAll(/import (?:type )?\{([^}]+)\} from 'vitest'/g)].flatMap((m) =>
          m[1]!.split(',').map((n) => n.trim().replace(/^type /, '')).filter(Boolean),
        ),
      ),
    );
    expect([...names]).toContain('expect');
    for (const name of names) expect(checkVitest, `'${name}' from 'vitest'`).toHaveProperty(name);
  });

  it('has an expect that fails with the message a check gives it', () => {
    expect(() => checkVitest.expect(1, 'one should be two').toBe(2)).toThrow(/^one should be two: expected 1 to be 2/);
    expect(() => checkVitest.expect([1, 2]).toContain(2)).not.toThrow();
  });
});
