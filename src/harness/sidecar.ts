// One daprd process: its ports, its flags, and waiting for it to be really ready.
import { EnvironmentError, HarnessTimeoutError, LearnerCodeError } from './errors.js';
import { startProcess, type RunLog, type Supervised } from './processes.js';

export interface SidecarPorts {
  http: number;
  grpc: number;
  internalGrpc: number;
  metrics: number;
}

export interface SidecarOptions {
  daprd: string;
  appId: string;
  /** The run's name for this app, when replicas share an app-id (default: the app-id). */
  name?: string;
  /** The app's port; omitted for a sidecar without an app (a publisher-only client). */
  appPort?: number;
  ports: SidecarPorts;
  resourcesDir: string;
  log: RunLog;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

export interface Sidecar {
  appId: string;
  ports: SidecarPorts;
  /** http://127.0.0.1:<http port> */
  url: string;
  process: Supervised;
  logSource: string;
}

/**
 * Sidecar lines worth a learner's attention: warnings, errors, and the few info lines that say
 * what daprd decided about the app. The rest is start-up detail.
 */
const NOTABLE = /^(warn|warning|error|fatal):|app is subscribed|application discovered|dead letter|Component loaded|no matching route|retr(y|ies)/i;

export function isNotableSidecarLine(text: string): boolean {
  return NOTABLE.test(text);
}

export function sidecarLogSource(appId: string): string {
  return `daprd ${appId}`;
}

/**
 * daprd's flags for a run, in one place for the local process and the container. `where` says how
 * daprd is reached and how it reaches the app: on loopback locally, through the host gateway from
 * a container (which must listen on all of its own interfaces for the port mapping).
 */
export function daprdArgs(
  options: Pick<SidecarOptions, 'appId' | 'appPort' | 'ports' | 'resourcesDir' | 'logLevel'>,
  where: { listenAddress?: string; appChannelAddress: string },
): string[] {
  const { ports } = options;
  const args = [
    '--app-id', options.appId,
    '--dapr-http-port', String(ports.http),
    '--dapr-grpc-port', String(ports.grpc),
    '--dapr-internal-grpc-port', String(ports.internalGrpc),
    '--metrics-port', String(ports.metrics),
    ...(where.listenAddress ? ['--dapr-listen-addresses', where.listenAddress] : []),
    '--resources-path', options.resourcesDir,
    '--log-level', options.logLevel ?? 'info',
    '--log-as-json',
    // The run is torn down as a whole; a long graceful drain only delays the learner.
    '--dapr-graceful-shutdown-seconds', '1',
  ];
  if (options.appPort !== undefined) {
    args.push('--app-port', String(options.appPort), '--app-protocol', 'http', '--app-channel-address', where.appChannelAddress);
  }
  return args;
}

export function startSidecar(options: SidecarOptions): Sidecar {
  const { ports } = options;
  const args = daprdArgs(options, { listenAddress: '127.0.0.1', appChannelAddress: '127.0.0.1' });
  const logSource = sidecarLogSource(options.name ?? options.appId);
  const proc = startProcess({
    name: logSource,
    command: options.daprd,
    args,
    log: options.log,
    formatOutput: formatDaprdLine,
  });
  return { appId: options.appId, ports, url: `http://127.0.0.1:${ports.http}`, process: proc, logSource };
}

/** daprd logs JSON lines with --log-as-json; keep `level: msg`, which is what a learner reads. */
export function formatDaprdLine(raw: string): string | null {
  if (!raw.startsWith('{')) return raw;
  try {
    const entry = JSON.parse(raw) as { level?: string; msg?: string };
    return `${entry.level ?? 'info'}: ${entry.msg ?? raw}`;
  } catch {
    return raw;
  }
}

/**
 * Resolves when daprd has loaded its components (`/v1.0/healthz/outbound`) and, if it has an app,
 * found the app and started its subscriptions (`/v1.0/healthz`). Fails fast when daprd exits.
 */
export async function waitForSidecar(
  sidecar: Sidecar,
  options: {
    hasApp: boolean;
    signal: AbortSignal;
    log: RunLog;
    /** Components this sidecar must list before it counts as ready. */
    components?: string[];
    onComponentsLoaded?: () => void;
  },
): Promise<void> {
  const { signal } = options;
  const probe = async (pathname: string) => {
    try {
      const res = await fetch(`${sidecar.url}${pathname}`, { signal: AbortSignal.timeout(1000) });
      return res.status >= 200 && res.status < 300;
    } catch {
      return false;
    }
  };
  const exited = sidecar.process.exited.then(() => {
    throw sidecarExitError(sidecar, options.log);
  });
  const poll = async (pathname: string) => {
    while (!(await probe(pathname))) {
      if (signal.aborted) throw signal.reason;
      if (sidecar.process.hasExited) throw sidecarExitError(sidecar, options.log);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  // healthz/outbound can answer before a failing component has stopped daprd: also wait until
  // the metadata lists every expected component (or daprd exits with the reason).
  const listsComponents = async () => {
    if (!options.components?.length) return true;
    try {
      const res = await fetch(`${sidecar.url}/v1.0/metadata`, { signal: AbortSignal.timeout(1000) });
      const names = new Set(((await res.json()) as { components?: { name: string }[] }).components?.map((c) => c.name));
      return options.components.every((c) => names.has(c));
    } catch {
      return false;
    }
  };
  const ready = (async () => {
    await poll('/v1.0/healthz/outbound');
    while (!(await listsComponents())) {
      if (signal.aborted) throw signal.reason;
      if (sidecar.process.hasExited) throw sidecarExitError(sidecar, options.log);
      await new Promise((r) => setTimeout(r, 20));
    }
    options.onComponentsLoaded?.();
    if (options.hasApp) await poll('/v1.0/healthz');
  })();
  exited.catch(() => {});
  await Promise.race([ready, exited]);
}

/** Why daprd stopped, in words, decided from its own last log lines. */
export function sidecarExitError(sidecar: Sidecar, log: RunLog): Error {
  const lines = log.all(sidecar.logSource).map((l) => l.text);
  const tail = log.tail(12, [sidecar.logSource]);
  const fatal = [...lines].reverse().find((l) => /^(fatal|error):/.test(l)) ?? '';
  const exit = sidecar.process.exit;
  const how = exit?.signal ? `was stopped by ${exit.signal}` : `exited with code ${exit?.code ?? '?'}`;
  if (/address already in use|bind:/.test(fatal)) {
    return new EnvironmentError(`The sidecar of ${sidecar.appId} ${how}: a port it needs is already in use. ${fatal}`, tail);
  }
  if (/init|component|connection refused|redis/i.test(fatal)) {
    return new LearnerCodeError(
      `The sidecar of ${sidecar.appId} ${how} while loading components. Its last error: ${fatal.replace(/^(fatal|error): /, '')}`,
      tail,
    );
  }
  return new EnvironmentError(`The sidecar of ${sidecar.appId} ${how}. ${fatal}`.trim(), tail);
}

export function sidecarTimeoutError(sidecar: Sidecar, log: RunLog, seconds: number, hasApp: boolean): HarnessTimeoutError {
  return new HarnessTimeoutError(
    hasApp
      ? `The sidecar of ${sidecar.appId} was not ready within ${seconds} s: it did not finish discovering the app.`
      : `The sidecar of ${sidecar.appId} was not ready within ${seconds} s.`,
    log.tail(12, [sidecar.logSource]),
  );
}
