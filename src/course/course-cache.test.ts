import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyFixture } from '../../test/helpers/fixture.js';
import { courseCacheFile, loadCourseCached } from './course-cache.js';
import { loadCourse, type Course } from './manifest.js';

describe('loadCourseCached', () => {
  it('returns what loadCourse returns, from the cache the second time', async () => {
    const root = copyFixture();
    const fresh = await loadCourseCached(root);
    expect(fresh).toEqual(loadCourse(root));
    expect(existsSync(courseCacheFile(root))).toBe(true);
    // Proof the second load reads the cache: a change only the cache holds shows up.
    const cache = JSON.parse(readFileSync(courseCacheFile(root), 'utf8'));
    cache.course.modules[0].items[0].title = 'from the cache';
    writeFileSync(courseCacheFile(root), JSON.stringify(cache));
    const cached = await loadCourseCached(root);
    expect(cached.items[0]!.title).toBe('from the cache');
    expect(cached.items[0]).toBe(cached.modules[0]!.items[0]);
  });

  it('serves an entry written for one copy of the course to another copy, with its own paths', async () => {
    const first = copyFixture();
    await loadCourseCached(first);
    const second = copyFixture();
    const cache = JSON.parse(readFileSync(courseCacheFile(first), 'utf8'));
    cache.course.modules[0].items[0].title = 'from the first copy';
    mkdirSync(path.dirname(courseCacheFile(second)), { recursive: true });
    writeFileSync(courseCacheFile(second), JSON.stringify(cache));
    const course = await loadCourseCached(second);
    expect(course.items[0]!.title).toBe('from the first copy');
    expect(course.root).toBe(second);
    const paths = (c: Course) => JSON.stringify(c.items.map(({ title: _, ...rest }) => rest));
    expect(paths(course)).toBe(paths(loadCourse(second)));
  });

  it('reloads when a module.yaml changes', async () => {
    const root = copyFixture();
    await loadCourseCached(root);
    const manifest = path.join(root, 'modules', '01-basics', 'module.yaml');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('title: Say hello', 'title: Say hello again'));
    expect((await loadCourseCached(root)).items[1]!.title).toBe('Say hello again');
  });

  it('re-validates when a file the course names is gone', async () => {
    const root = copyFixture();
    await loadCourseCached(root);
    rmSync(path.join(root, 'modules', '01-basics', 'events.md'));
    await expect(loadCourseCached(root)).rejects.toThrow(/items\[2\] \(events\)\.file: .*does not exist/);
  });
});
