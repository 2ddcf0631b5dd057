// Finding a real daprd, or building one from the Go module proxy into a cache.
//
// Pinned to 1.18.2, not 1.18.3: the module proxy these machines reach does not serve three modules
// that 1.18.3 requires (durabletask-go v0.12.4, iskorotkov/avro/v2 v2.33.1 and a pulsar-client-go
// fork). 1.18.2 resolves entirely from the proxy. Pub/sub behaviour is the same for this course.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { execa } from 'execa';
import { EnvironmentError } from './errors.js';
import { findOnPath } from './which.js';

export const DAPR_VERSION = '1.18.2';

export type DaprdSource = 'DAPRD_PATH' | 'dapr init' | 'PATH' | 'cache';

export interface DaprdBinary {
  path: string;
  source: DaprdSource;
  /** What `daprd --version` printed, e.g. `1.18.2`. */
  version: string;
}

export function cacheRoot(): string {
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'dapr-pubsub-course');
}

export function cachedDaprdPath(version = DAPR_VERSION): string {
  return path.join(cacheRoot(), 'daprd', version, 'daprd');
}

/** Where daprd is looked for, in order, with whether each place has one. */
export function daprdCandidates(): { source: DaprdSource; path: string | undefined }[] {
  const fromInit = path.join(os.homedir(), '.dapr', 'bin', 'daprd');
  return [
    { source: 'DAPRD_PATH', path: process.env.DAPRD_PATH || undefined },
    { source: 'dapr init', path: existsSync(fromInit) ? fromInit : undefined },
    { source: 'PATH', path: findOnPath('daprd') },
    { source: 'cache', path: existsSync(cachedDaprdPath()) ? cachedDaprdPath() : undefined },
  ];
}

let memo: DaprdBinary | undefined;

/** The first daprd that answers `--version`; undefined if none. DAPRD_PATH that is broken is an error. */
export function findDaprd(): DaprdBinary | undefined {
  if (memo) return memo;
  for (const candidate of daprdCandidates()) {
    if (!candidate.path) continue;
    const version = daprdVersion(candidate.path);
    if (version) return (memo = { path: candidate.path, source: candidate.source, version });
    if (candidate.source === 'DAPRD_PATH') {
      throw new EnvironmentError(
        `DAPRD_PATH is set to ${candidate.path}, but that is not a daprd that runs. Unset it or point it at a daprd binary.`,
      );
    }
  }
  return undefined;
}

/**
 * What `daprd --version` prints. Running it takes a daprd ~0.1 s (more on a busy machine), and
 * every check asked twice (the CLI before vitest, the worker before the run): the answer is kept
 * per binary (its path, inode, size and modification time), so a replaced or rebuilt daprd is
 * asked again. Only answers are kept: a binary that fails is asked each time. `fresh` asks
 * whatever is kept (`course doctor`: whether it runs now).
 */
export function daprdVersion(binary: string, { fresh = false } = {}): string | undefined {
  const key = binaryKey(binary);
  const known = key && !fresh ? readVersions()[key] : undefined;
  if (known) return known;
  try {
    const version = execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (key && version) storeVersion(key, version);
    return version;
  } catch {
    return undefined;
  }
}

function versionsFile(): string {
  return path.join(cacheRoot(), 'daprd-versions.json');
}

function binaryKey(binary: string): string | undefined {
  try {
    const stat = statSync(realpathSync(binary));
    return `${realpathSync(binary)}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  } catch {
    return undefined;
  }
}

function readVersions(): Record<string, string> {
  try {
    return JSON.parse(readFileSync(versionsFile(), 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

function storeVersion(key: string, version: string): void {
  try {
    mkdirSync(cacheRoot(), { recursive: true });
    const temporary = `${versionsFile()}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify({ ...readVersions(), [key]: version }));
    renameSync(temporary, versionsFile());
  } catch {
    // only a speed-up
  }
}

export const DAPRD_INSTALL_HINT = [
  'Get a daprd in one of these ways:',
  '  - `npx course setup` builds it from source where Go is installed (https://go.dev/dl/)',
  '  - `dapr init --slim` with the Dapr CLI puts it in ~/.dapr/bin',
  '  - set DAPRD_PATH to a daprd binary you already have',
  '  - with Docker running, checks use the daprio/daprd image',
].join('\n');

/** A daprd, found or else built. Throws an EnvironmentError saying what to install. */
export async function ensureDaprd(onProgress: (line: string) => void = () => {}): Promise<DaprdBinary> {
  const found = findDaprd();
  if (found) return found;
  if (!findOnPath('go')) throw new EnvironmentError(`No daprd was found and Go is not installed to build one.\n${DAPRD_INSTALL_HINT}`);
  await buildDaprd(onProgress);
  memo = undefined;
  const built = findDaprd();
  if (!built) throw new EnvironmentError(`daprd was built but does not run.\n${DAPRD_INSTALL_HINT}`);
  return built;
}

/**
 * Builds daprd from github.com/dapr/dapr at DAPR_VERSION with the stablecomponents tag, through a
 * throwaway module that repeats dapr's own replace directives (they are not inherited).
 */
export async function buildDaprd(onProgress: (line: string) => void, version = DAPR_VERSION): Promise<string> {
  const workDir = path.join(cacheRoot(), 'daprd-build', `v${version}`);
  const target = cachedDaprdPath(version);
  mkdirSync(workDir, { recursive: true });
  mkdirSync(path.dirname(target), { recursive: true });
  const goEnv = { ...process.env, GOFLAGS: '-mod=mod' };

  onProgress(`Downloading github.com/dapr/dapr@v${version} from the Go module proxy...`);
  const download = await execa('go', ['mod', 'download', '-json', `github.com/dapr/dapr@v${version}`], {
    cwd: workDir,
    env: { ...goEnv, GOFLAGS: '' },
    reject: false,
  });
  if (download.exitCode !== 0) {
    throw new EnvironmentError(`go mod download failed:\n${download.stdout}\n${download.stderr}`.trim());
  }
  const info = JSON.parse(download.stdout) as { Dir: string; GoMod: string };
  const upstream = readFileSync(info.GoMod, 'utf8');
  writeFileSync(path.join(workDir, 'go.mod'), throwawayGoMod(upstream, version));
  copyFileSync(path.join(info.Dir, 'go.sum'), path.join(workDir, 'go.sum'));
  chmodSync(path.join(workDir, 'go.sum'), 0o644);
  writeFileSync(path.join(workDir, 'tools.go'), '//go:build tools\n\npackage tools\n\nimport _ "github.com/dapr/dapr/cmd/daprd"\n');

  onProgress('Compiling daprd (the first time takes a while on a small machine; later runs reuse it)...');
  const output = `${target}.partial`;
  const build = execa(
    'go',
    [
      'build',
      '-v',
      '-tags',
      'stablecomponents',
      '-ldflags',
      `-X github.com/dapr/dapr/pkg/buildinfo.version=${version}`,
      '-o',
      output,
      'github.com/dapr/dapr/cmd/daprd',
    ],
    { cwd: workDir, env: goEnv, reject: false, buffer: false, all: true },
  );
  let compiled = 0;
  const errors: string[] = [];
  readline.createInterface({ input: build.all! }).on('line', (line) => {
    if (/^go: downloading /.test(line)) return;
    if (/^[\w.-]+(\/[\w.@~+-]+)*$/.test(line.trim())) {
      compiled++;
      if (compiled % 100 === 0) onProgress(`  ${compiled} packages compiled`);
    } else {
      errors.push(line);
    }
  });
  const result = await build;
  if (result.exitCode !== 0) {
    throw new EnvironmentError(`Building daprd failed (exit ${result.exitCode}):\n${errors.slice(-30).join('\n')}`);
  }
  renameSync(output, target);
  onProgress(`daprd ${version} is ready at ${target}`);
  return target;
}

/** go.mod for the throwaway module: require dapr, and repeat its replace blocks (without comments). */
export function throwawayGoMod(upstreamGoMod: string, version: string): string {
  const goLine = upstreamGoMod.match(/^go\s+\S+$/m)?.[0] ?? 'go 1.24';
  const replaces: string[] = [];
  const lines = upstreamGoMod.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^replace\s*\($/.test(line)) {
      const block = ['replace ('];
      for (i++; i < lines.length && lines[i]!.trim() !== ')'; i++) {
        const inner = lines[i]!.trim();
        if (inner && !inner.startsWith('//')) block.push(`\t${inner}`);
      }
      block.push(')');
      replaces.push(block.join('\n'));
    } else if (/^replace\s+\S/.test(line)) {
      replaces.push(line);
    }
  }
  return [`module daprdbuild`, '', goLine, '', `require github.com/dapr/dapr v${version}`, '', ...replaces, ''].join('\n');
}
