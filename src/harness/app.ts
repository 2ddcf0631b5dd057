// A learner's service: started with the environment `dapr run` gives an app, watched until it
// listens on APP_PORT, and explained in plain words when it does not.
import { createHash } from 'node:crypto';
import { isBuiltin } from 'node:module';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { howItEnded, LearnerCodeError } from './errors.js';
import { APP_LISTEN_HOST } from './network-layout.js';
import { waitForListening } from './ports.js';
import { busyProcess, listeningPorts, processTree } from './process-tree.js';
import { ownPath, removeOwnedPath, startProcess, type ManagedProcess, type RunLog, type Supervised } from './processes.js';
import type { SidecarPorts } from './sidecar.js';

export interface AppLaunch {
  appId: string;
  /** Log name, when replicas share an app-id (default: the app-id). */
  name?: string;
  /** argv; `npx tsx file.ts` is run as `node --import tsx file.ts`, which starts faster. */
  command: string[];
  cwd: string;
  env?: Record<string, string>;
  appPort?: number;
  sidecarPorts: SidecarPorts;
  /** The port the app is told its sidecar's HTTP API is on, when something sits in front of it (a recording hop, a check's gate). */
  daprHttpPortForApp?: number;
  /** The port the app is told its sidecar's gRPC API is on, when a check's gate sits in front of it. */
  daprGrpcPortForApp?: number;
  log: RunLog;
}

const TSX_LOADER = import.meta.resolve('tsx');

/**
 * What a check's worker is told about its run (run-check.ts) is not the service's: a service started
 * ahead of its run (standby-service.ts) could not have it, so none has.
 */
const CHECK_RUN_VARIABLES = { COURSE_EXERCISE_DIR: undefined, COURSE_EXERCISE_ID: undefined, COURSE_CHECK_REPORT_DIR: undefined };

export function appEnvironment(launch: AppLaunch): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {
    ...CHECK_RUN_VARIABLES,
    ...launch.env,
    APP_ID: launch.appId,
    APP_PROTOCOL: 'http',
    APP_CHANNEL_ADDRESS: APP_LISTEN_HOST,
    DAPR_HTTP_PORT: String(launch.daprHttpPortForApp ?? launch.sidecarPorts.http),
    DAPR_GRPC_PORT: String(launch.daprGrpcPortForApp ?? launch.sidecarPorts.grpc),
    DAPR_METRICS_PORT: String(launch.sidecarPorts.metrics),
    NODE_NO_WARNINGS: '1',
  };
  if (launch.appPort !== undefined) env.APP_PORT = String(launch.appPort);
  return env;
}

export function resolveCommand(command: string[]): { file: string; args: string[] } {
  const [first, second, ...rest] = command;
  if (first === 'npx' && second === 'tsx') return { file: process.execPath, args: ['--import', TSX_LOADER, ...rest] };
  if (first === 'tsx') return { file: process.execPath, args: ['--import', TSX_LOADER, ...(second ? [second] : []), ...rest] };
  if (first === 'node') return { file: process.execPath, args: [...(second ? [second] : []), ...rest] };
  if (!first) throw new LearnerCodeError('An app in dapr.yaml has an empty `command`.');
  return { file: first, args: [...(second ? [second] : []), ...rest] };
}

export interface PreparedCommand {
  file: string;
  args: string[];
  /** The compiled service, which belongs to the run: deleted when it stops. */
  compiled?: string;
  /** The packages the compiled service imports statically, in the order it imports them. */
  packages?: string[];
}

/**
 * A TypeScript service (`npx tsx service.ts`) is compiled once with esbuild and run with plain
 * node: starting tsx costs more than the compile, in every process, and a syntax error is reported
 * with its file and line before anything starts. Other commands run as they are.
 */
export async function prepareCommand(command: string[], cwd: string): Promise<PreparedCommand> {
  const { file, args } = resolveCommand(command);
  if (args[0] === '--import' && args[1] === TSX_LOADER && args[2]?.endsWith('.ts')) {
    const { file: compiled, packages } = await compileService(path.resolve(cwd, args[2]));
    return { file, args: ['--enable-source-maps', compiled, ...args.slice(3)], compiled, packages };
  }
  return { file, args };
}

export function spawnApp(launch: AppLaunch, prepared: PreparedCommand): ManagedProcess {
  return startProcess({
    name: launch.name ?? launch.appId,
    command: prepared.file,
    args: prepared.args,
    cwd: launch.cwd,
    env: appEnvironment(launch),
    log: launch.log,
  });
}

/** Bundles the service's own files (packages stay external) next to the node_modules it uses. */
export async function compileService(entry: string): Promise<{ file: string; packages: string[] }> {
  if (!existsSync(entry)) throw new LearnerCodeError(messages.entryMissing(entry));
  const { build } = await import('esbuild');
  const outDir = path.join(nodeModulesOf(entry), '.cache', 'course-build');
  // One file per run (two runs of the same service must not delete each other's), owned by the
  // run so that an interrupted run's is removed too.
  const outfile = path.join(outDir, `${path.basename(entry, '.ts')}-${hash(entry)}-${process.pid}-${++compiledCount}.mjs`);
  pruneOlderThanADay(outDir);
  ownPath(outfile);
  let packages: string[];
  try {
    // Written here, not by esbuild's own process, which could still write it after this run's
    // folders were removed on Ctrl-C.
    const { outputFiles, metafile } = await build({
      entryPoints: [entry],
      outfile,
      write: false,
      metafile: true,
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: 'inline',
      logLevel: 'silent',
      // The service still sees its own folder, not the build cache's.
      define: {
        'import.meta.dirname': JSON.stringify(path.dirname(entry)),
        'import.meta.filename': JSON.stringify(entry),
      },
    });
    mkdirSync(outDir, { recursive: true });
    writeFileSync(outfile, outputFiles[0]!.contents);
    const imports = Object.values(metafile.outputs)[0]?.imports ?? [];
    packages = imports.filter((i) => i.external && i.kind === 'import-statement' && !isBuiltin(i.path)).map((i) => i.path);
  } catch (error) {
    removeOwnedPath(outfile);
    const failure = error as { errors?: { text: string; location?: { file: string; line: number; column: number; lineText: string } | null }[] };
    const first = failure.errors?.[0];
    if (!first) throw error;
    const unresolved = /^Could not resolve "(\.{1,2}\/[^"]+)"$/.exec(first.text)?.[1];
    if (unresolved && first.location) {
      throw new LearnerCodeError(messages.importMissing(first.location.file, first.location.line, unresolved), [
        `${first.location.line} | ${first.location.lineText}`,
      ]);
    }
    const where = first.location ? `${first.location.file}:${first.location.line}:${first.location.column + 1}` : path.basename(entry);
    throw new LearnerCodeError(
      `${where}: ${first.text}. Your service \`${path.basename(entry)}\` cannot start until this is fixed.`,
      first.location ? [`${first.location.line} | ${first.location.lineText}`] : [],
    );
  }
  return { file: outfile, packages };
}

function nodeModulesOf(file: string): string {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'node_modules'))) return path.join(dir, 'node_modules');
    if (path.dirname(dir) === dir) return path.join(path.dirname(file), 'node_modules');
  }
}

/** Outputs of runs that were killed before they could clean up. */
function pruneOlderThanADay(dir: string): void {
  try {
    const limit = Date.now() - 24 * 60 * 60 * 1000;
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (statSync(file).mtimeMs < limit) rmSync(file, { force: true });
    }
  } catch {
    // nothing to prune yet
  }
}

let compiledCount = 0;

function hash(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, 10);
}

/** Resolves once the app listens on its port; throws a LearnerCodeError if it exits first. */
export async function waitForApp(proc: Supervised, port: number, signal: AbortSignal, log: RunLog): Promise<void> {
  const exited = proc.exited.then(() => {
    throw appExitError(proc, log, port);
  });
  exited.catch(() => {});
  await Promise.race([waitForListening(port, signal), exited]);
}

/** A service that exited before it was ready, or, `running`, once the run was up (a crash mid-check). */
export function appExitError(proc: Supervised, log: RunLog, port?: number, running = false): LearnerCodeError {
  const text = log.all(proc.name).map((l) => l.text).join('\n');
  let why = 'Its last output is below.';
  if (/EADDRINUSE/.test(text)) {
    why = `It tried to listen on a port that is already in use. Listen on process.env.APP_PORT${port ? ` (${port} in this run)` : ''}, not a fixed port.`;
  } else if (/SyntaxError|Transform failed|ERROR: Expected|Unexpected token/.test(text)) {
    why = 'It has a syntax error: see the file and line in its output below.';
  } else if (/Cannot find module|ERR_MODULE_NOT_FOUND/.test(text)) {
    why = 'It imports something that cannot be found: check the import paths below.';
  } else if (/DAPR_SIDECAR_COULD_NOT_BE_STARTED/.test(text)) {
    why = 'It gave up waiting for its sidecar.';
  }
  const when = running ? 'during the check' : 'before it was ready';
  return new LearnerCodeError(`Your service \`${proc.name}\` ${howItEnded(proc.exit)} ${when}. ${why}`, log.tail(15, [proc.name]));
}

/**
 * A service that runs but never listened on APP_PORT, and what it does instead when that can be
 * seen: a loop that never ends, or a server on another port.
 */
export async function appNeverListenedError(proc: Supervised, port: number, seconds: number, log: RunLog): Promise<LearnerCodeError> {
  const pids = proc.pid === undefined ? [] : processTree(proc.pid).map((p) => p.pid);
  const elsewhere = listeningPorts(pids).filter((p) => p !== port);
  const busy = (await busyProcess(pids)) !== undefined;
  const why = busy ? messages.busy : elsewhere.length > 0 ? messages.otherPort(elsewhere) : messages.notListening;
  return new LearnerCodeError(`${messages.neverListened(proc.name, port, seconds)} ${why}`, log.tail(15, [proc.name]));
}

/** `npx course reset <id> <file>` for a file of the exercise being checked, when there is one. */
function restoreAdvice(file: string): string {
  const id = process.env.COURSE_EXERCISE_ID;
  const dir = process.env.COURSE_EXERCISE_DIR;
  const relative = dir ? path.relative(dir, file) : '';
  if (!id || !relative || relative.startsWith('..')) return '';
  return ` If you deleted or renamed it, restore the starter's copy with \`npx course reset ${id} ${relative}\`.`;
}

const messages = {
  entryMissing: (entry: string) =>
    `\`${path.basename(entry)}\` is missing from ${path.dirname(entry)}: dapr.yaml starts it, but there is no such file.${restoreAdvice(entry)}`,
  importMissing: (file: string, line: number, imported: string) => {
    const target = path.resolve(path.dirname(file), imported).replace(/\.js$/, '.ts');
    return `${path.basename(file)} line ${line} imports \`${imported}\`, but there is no ${path.basename(target)} in ${path.dirname(target)}.${restoreAdvice(target)}`;
  },
  neverListened: (name: string, port: number, seconds: number) =>
    `Your service \`${name}\` is running but did not listen on APP_PORT (${port}) within ${seconds} s.`,
  busy:
    'Its main thread kept running for the last second without reading or writing anything, so it never ' +
    'gets to start its server: look for a loop that never ends before `server.start()`.',
  otherPort: (ports: number[]) =>
    `It listens on port ${ports.join(', ')} instead: take the port from process.env.APP_PORT, the one its sidecar calls.`,
  notListening: 'Does it start its server (e.g. `await server.start()`) and take the port from process.env.APP_PORT?',
};
