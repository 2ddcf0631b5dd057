// Lessons are tests: every ```ts block of every lesson type-checks on its own against the real
// SDK, and every Dapr resource in a ```yaml block loads in a real daprd without a skip or an error.
// So the text cannot drift from the truth. (A block fenced ```yaml no-load says why in its lesson.)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { marked } from 'marked';
import { parse } from 'yaml';
import { afterAll, describe, expect, onTestFinished, test } from 'vitest';
import { loadCourse, type Lesson } from '../../src/course/manifest.js';
import { startEnvironment } from '../../src/harness/environment.js';

const root = path.resolve(import.meta.dirname, '../..');
const lessons = loadCourse(root).items.filter((i): i is Lesson => i.kind === 'lesson');

interface Block {
  lesson: string;
  index: number;
  lang: string;
  text: string;
}

function blocks(lesson: Lesson): Block[] {
  const tokens = marked.lexer(readFileSync(lesson.file, 'utf8'));
  const out: Block[] = [];
  marked.walkTokens(tokens, (token) => {
    if (token.type === 'code') out.push({ lesson: lesson.id, index: out.length, lang: token.lang ?? '', text: token.text });
  });
  return out;
}

const all = lessons.flatMap(blocks);
const tsBlocks = all.filter((b) => b.lang === 'ts' || b.lang === 'typescript');
const yamlBlocks = all.filter((b) => b.lang === 'yaml');

describe('lesson code blocks', () => {
  test('there are lessons with TypeScript and Dapr YAML to test', () => {
    expect(tsBlocks.length).toBeGreaterThan(5);
    expect(yamlBlocks.length).toBeGreaterThan(5);
  });

  const scratch = path.join(root, 'test', `tmp-lesson-ts-${process.pid}`);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  test('every ```ts block type-checks on its own', { timeout: 120_000 }, () => {
    mkdirSync(scratch, { recursive: true });
    const names = tsBlocks.map((b) => `${b.lesson}--block-${b.index}.ts`);
    tsBlocks.forEach((b, i) => writeFileSync(path.join(scratch, names[i]!), `${b.text}\nexport {};\n`));
    writeFileSync(
      path.join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          skipLibCheck: true,
          noEmit: true,
          types: ['node'],
          typeRoots: [path.join(root, 'node_modules', '@types')],
        },
        include: ['*.ts'],
      }),
    );
    const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
    let output = '';
    try {
      execFileSync(tsc, ['-p', scratch], { encoding: 'utf8', cwd: root });
    } catch (error) {
      output = `${(error as { stdout?: string }).stdout ?? ''}${(error as { stderr?: string }).stderr ?? ''}`;
    }
    // Errors name the lesson and block: `03-publishing--block-2.ts(4,7): error TS...`
    expect(output.replaceAll(scratch + path.sep, '')).toBe('');
  });
});

describe('lesson YAML loads in a real daprd', { timeout: 60_000 }, () => {
  const resources = yamlBlocks.filter((b) => /^apiVersion:\s*dapr\.io\//m.test(b.text));
  const runFiles = yamlBlocks.filter((b) => /^apps:/m.test(b.text));

  test('the run files in lessons are valid dapr.yaml', () => {
    for (const b of runFiles) {
      const file = parse(b.text) as { version?: number; apps?: { appID?: string }[] };
      expect(file.version, `${b.lesson} block ${b.index}`).toBe(1);
      expect(file.apps?.every((a) => typeof a.appID === 'string'), `${b.lesson} block ${b.index}`).toBe(true);
    }
  });

  for (const block of resources) {
    const doc = parse(block.text) as { kind: string; metadata: { name: string }; spec: { type?: string; topic?: string } };
    test(`${block.lesson} block ${block.index}: ${doc.kind} ${doc.metadata.name}`, async () => {
      const dir = path.join(root, 'test', `tmp-lesson-yaml-${process.pid}-${block.lesson}-${block.index}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'resource.yaml'), block.text);
      onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
      const env = await startEnvironment({
        resourcesDir: dir,
        // An app so that declarative subscriptions start; `scopes` may name any of these ids.
        apps: appIdsFor(block.text).map((appId) => ({ appId, probe: [] })),
      });
      try {
        const first = [...env.apps.values()][0]!;
        const meta = (await (await fetch(`${first.daprUrl}/v1.0/metadata`)).json()) as {
          components?: { name: string; type: string }[];
          subscriptions?: { topic: string }[];
        };
        if (doc.kind === 'Component') {
          expect(meta.components).toContainEqual(expect.objectContaining({ name: doc.metadata.name, type: doc.spec.type }));
        }
        if (doc.kind === 'Subscription') {
          expect(meta.subscriptions?.map((s) => s.topic)).toContain(doc.spec.topic);
        }
        if (doc.kind === 'Resiliency') {
          expect(env.log.grep(new RegExp(`Resiliency configuration loaded.*${doc.metadata.name}|Loading Resiliency configuration: ${doc.metadata.name}`)).length).toBeGreaterThan(0);
        }
        const problems = env.log
          .grep(/^(error|fatal):|skipping|unknown|not supported/i)
          .filter((l) => !/mTLS is disabled|actors|placement|scheduler|workflow/i.test(l));
        expect(problems).toEqual([]);
      } finally {
        await env.stop();
      }
    });
  }
});

/** The app-ids a resource is scoped to, so the sidecar that loads it is one of them. */
function appIdsFor(text: string): string[] {
  const doc = parse(text) as { scopes?: string[] };
  return doc.scopes?.length ? [doc.scopes[0]!] : ['lesson-app'];
}
