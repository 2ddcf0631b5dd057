// A learner's service: started with the environment `dapr run` gives an app, watched until it
// listens on APP_PORT, and explained in plain words when it does not.
import { LearnerCodeError } from './errors.js';
import { waitForListening } from './ports.js';
import { startProcess, type ManagedProcess, type RunLog } from './processes.js';
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

export function startApp(launch: AppLaunch): ManagedProcess {
  const { file, args } = resolveCommand(launch.command);
  return startProcess({ name: launch.name ?? launch.appId, command: file, args, cwd: launch.cwd, env: appEnvironment(launch), log: launch.log });
}

/** Resolves once the app listens on its port; throws a LearnerCodeError if it exits first. */
export async function waitForApp(proc: ManagedProcess, port: number, signal: AbortSignal, log: RunLog): Promise<void> {
  const exited = proc.exited.then(() => {
    throw appExitError(proc, log, port);
  });
  exited.catch(() => {});
  await Promise.race([waitForListening(port, signal), exited]);
}

export function appExitError(proc: ManagedProcess, log: RunLog, port?: number): LearnerCodeError {
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
