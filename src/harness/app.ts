// A learner's service: started with the environment `dapr run` gives an app, watched until it
// listens on APP_PORT, and explained in plain words when it does not.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { LearnerCodeError } from './errors.js';
import { waitForListening } from './ports.js';
import { startProcess, type ManagedProcess, type RunLog, type Supervised } from './processes.js';
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
  log: RunLog;
}

const TSX_LOADER = import.meta.resolve('tsx');

export function appEnvironment(launch: AppLaunch): Record<string, string> {
  const env: Record<string, string> = {
    ...launch.env,
    APP_ID: launch.appId,
    APP_PROTOCOL: 'http',
    APP_CHANNEL_ADDRESS: '127.0.0.1',
    DAPR_HTTP_PORT: String(launch.sidecarPorts.http),
    DAPR_GRPC_PORT: String(launch.sidecarPorts.grpc),
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

/**
 * A TypeScript service (`npx tsx service.ts`) is compiled once with esbuild and run with plain
 * node: starting tsx costs more than the compile, in every process, and a syntax error is reported
 * with its file and line before anything starts. Other commands run as they are.
 */
export async function startApp(launch: AppLaunch): Promise<ManagedProcess> {
  return spawnApp(launch, await prepareCommand(launch.command, launch.cwd));
}

export interface PreparedCommand {
  file: string;
  args: string[];
  /** The compiled service, which belongs to the run: deleted when it stops. */
  compiled?: string;
}

/** Resolves the command, compiling a TypeScript entry; a syntax error throws here, early. */
export async function prepareCommand(command: string[], cwd: string): Promise<PreparedCommand> {
  const { file, args } = resolveCommand(command);
  if (args[0] === '--import' && args[1] === TSX_LOADER && args[2]?.endsWith('.ts')) {
    const compiled = await compileService(path.resolve(cwd, args[2]));
    return { file, args: ['--enable-source-maps', compiled, ...args.slice(3)], compiled };
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
export async function compileService(entry: string): Promise<string> {
  const { build } = await import('esbuild');
  const outDir = path.join(nodeModulesOf(entry), '.cache', 'course-build');
  const outfile = path.join(outDir, `${path.basename(entry, '.ts')}-${hash(entry)}.mjs`);
  pruneOlderThanADay(outDir);
  try {
    await build({
      entryPoints: [entry],
      outfile,
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
  } catch (error) {
    const failure = error as { errors?: { text: string; location?: { file: string; line: number; column: number; lineText: string } | null }[] };
    const first = failure.errors?.[0];
    if (!first) throw error;
    const where = first.location ? `${first.location.file}:${first.location.line}:${first.location.column + 1}` : path.basename(entry);
    throw new LearnerCodeError(
      `${where}: ${first.text}. Your service \`${path.basename(entry)}\` cannot start until this is fixed.`,
      first.location ? [`${first.location.line} | ${first.location.lineText}`] : [],
    );
  }
  return outfile;
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

export function appExitError(proc: Supervised, log: RunLog, port?: number): LearnerCodeError {
  const lines = log.all(proc.name).map((l) => l.text);
  const tail = log.tail(15, [proc.name]);
  const exit = proc.exit;
  const how = exit?.signal ? `was stopped by ${exit.signal}` : `exited with code ${exit?.code ?? '?'}`;
  const text = lines.join('\n');
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
  return new LearnerCodeError(`Your service \`${proc.name}\` ${how} before it was ready. ${why}`, tail);
}

export function appNeverListenedError(appId: string, port: number, seconds: number, log: RunLog): LearnerCodeError {
  return new LearnerCodeError(
    `Your service \`${appId}\` is running but did not listen on APP_PORT (${port}) within ${seconds} s. ` +
      'Does it start its server (e.g. `await server.start()`) and take the port from process.env.APP_PORT?',
    log.tail(15, [appId]),
  );
}
