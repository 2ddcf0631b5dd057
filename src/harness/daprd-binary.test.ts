import { chmodSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { scratchDir } from '../../test/helpers/temp.js';
import { daprdCandidates, DAPR_VERSION, daprdVersion, findDaprd, throwawayGoMod } from './daprd-binary.js';

describe('daprd provisioning', () => {
  test('the throwaway go.mod requires the pinned dapr and repeats its replace directives without comments', () => {
    const upstream = [
      'module github.com/dapr/dapr',
      '',
      'go 1.26.5',
      '',
      'require github.com/foo/bar v1.0.0',
      '',
      'replace (',
      '\t// a fork',
      '\tdubbo.apache.org/dubbo-go/v3 => dubbo.apache.org/dubbo-go/v3 v3.0.3',
      ')',
      'replace github.com/x/y => github.com/x/y v0.1.0',
    ].join('\n');
    const mod = throwawayGoMod(upstream, '1.18.2');
    expect(mod).toContain('module daprdbuild');
    expect(mod).toContain('go 1.26.5');
    expect(mod).toContain('require github.com/dapr/dapr v1.18.2');
    expect(mod).toContain('\tdubbo.apache.org/dubbo-go/v3 => dubbo.apache.org/dubbo-go/v3 v3.0.3');
    expect(mod).toContain('replace github.com/x/y => github.com/x/y v0.1.0');
    expect(mod).not.toContain('a fork');
    expect(mod).not.toContain('github.com/foo/bar');
  });

  test('looks in DAPRD_PATH, then ~/.dapr/bin, then PATH, then the cache', () => {
    expect(daprdCandidates().map((c) => c.source)).toEqual(['DAPRD_PATH', 'dapr init', 'PATH', 'cache']);
  });

  test('the daprd this machine uses prints the pinned version', () => {
    const found = findDaprd();
    expect(found, 'no daprd found: run `npx course setup`').toBeDefined();
    expect(found!.version).toBe(DAPR_VERSION);
  });

  test('asks a daprd its version once, again when the binary changes, and each time when told to', () => {
    const dir = scratchDir('daprd-version');
    const saved = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = path.join(dir, 'cache');
    try {
      const daprd = path.join(dir, 'daprd');
      const asked = path.join(dir, 'asked');
      writeFileSync(asked, '');
      writeFileSync(daprd, `#!/bin/sh\necho x >> ${asked}\necho 1.18.2\n`);
      chmodSync(daprd, 0o755);
      const times = () => readFileSync(asked, 'utf8').split('\n').filter(Boolean).length;
      expect([daprdVersion(daprd), daprdVersion(daprd)]).toEqual(['1.18.2', '1.18.2']);
      expect(times()).toBe(1);
      utimesSync(daprd, new Date(), new Date(Date.now() + 5000)); // rebuilt
      expect(daprdVersion(daprd)).toBe('1.18.2');
      expect(times()).toBe(2);
      expect(daprdVersion(daprd, { fresh: true })).toBe('1.18.2');
      expect(times()).toBe(3);
      writeFileSync(daprd, '#!/bin/sh\nexit 1\n'); // broken: not a version, and never kept
      expect([daprdVersion(daprd), daprdVersion(daprd)]).toEqual([undefined, undefined]);
    } finally {
      if (saved === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = saved;
    }
  });
});
