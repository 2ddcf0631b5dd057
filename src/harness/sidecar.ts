// One daprd process: its ports, its flags, and waiting for it to be really ready.
import { EnvironmentError, HarnessTimeoutError, howItEnded, LearnerCodeError } from './errors.js';
import { APP_LISTEN_HOST } from './network-layout.js';
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
  /** More daprd flags, e.g. `--enable-app-health-check` for a lesson test that needs one. */
  extraArgs?: string[];
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
  options: Pick<SidecarOptions, 'appId' | 'appPort' | 'ports' | 'resourcesDir' | 'logLevel' | 'extraArgs'>,
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
  return [...args, ...(options.extraArgs ?? [])];
}

export function startSidecar(options: SidecarOptions): Sidecar {
  const { ports } = options;
  const args = daprdArgs(options, { listenAddress: '127.0.0.1', appChannelAddress: APP_LISTEN_HOST });
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
    /** The resource file a component comes from, for messages. */
    fileOf?: (component: string) => string | undefined;
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
    throw sidecarExitError(sidecar, options.log, { fileOf: options.fileOf });
  });
  const poll = async (pathname: string) => {
    while (!(await probe(pathname))) {
      if (signal.aborted) throw signal.reason;
      if (sidecar.process.hasExited) throw sidecarExitError(sidecar, options.log, { fileOf: options.fileOf });
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
      if (sidecar.process.hasExited) throw sidecarExitError(sidecar, options.log, { fileOf: options.fileOf });
      await new Promise((r) => setTimeout(r, 20));
    }
    options.onComponentsLoaded?.();
    if (options.hasApp) await poll('/v1.0/healthz');
  })();
  exited.catch(() => {});
  await Promise.race([ready, exited]);
}

/**
 * Why daprd stopped, in words, decided from its own last log lines. `running`: it stopped once the
 * run was up, not while starting.
 */
export function sidecarExitError(
  sidecar: Sidecar,
  log: RunLog,
  options: { running?: boolean; fileOf?: (component: string) => string | undefined } = {},
): EnvironmentError | LearnerCodeError {
  const lines = log.all(sidecar.logSource).map((l) => l.text);
  const tail = log.tail(12, [sidecar.logSource]);
  const fatal = [...lines].reverse().find((l) => /^(fatal|error):/.test(l)) ?? '';
  const how = howItEnded(sidecar.process.exit);
  if (/address already in use|bind:/.test(fatal)) {
    return new EnvironmentError(`The sidecar of ${sidecar.appId} ${how}: a port it needs is already in use. ${fatal}`, tail);
  }
  const unreachable = unreachableBroker(fatal);
  if (unreachable) {
    const file = options.fileOf?.(unreachable.component);
    const standard = STANDARD_BROKER_PORTS.has(unreachable.address.replace(/^(localhost|127\.0\.0\.1):/, 'local:'));
    const text = messages.unreachable(sidecar.appId, how, unreachable, file, standard);
    return standard ? new EnvironmentError(text, tail) : new LearnerCodeError(text, tail);
  }
  if (/init|component|connection refused|redis/i.test(fatal)) {
    return new LearnerCodeError(
      `The sidecar of ${sidecar.appId} ${how} while loading components. Its last error: ${fatal.replace(/^(fatal|error): /, '')}`,
      tail,
    );
  }
  if (options.running && !fatal) return new EnvironmentError(messages.stoppedRunning(sidecar.appId, how), tail);
  return new EnvironmentError(`The sidecar of ${sidecar.appId} ${how}. ${fatal}`.trim(), tail);
}

/** Brokers' usual addresses on this machine: nothing there means the broker is not running. */
const STANDARD_BROKER_PORTS = new Set(['local:5672', 'local:1883', 'local:4222', 'local:9092', 'local:6379']);

interface Unreachable {
  component: string;
  type: string;
  address: string;
  reason: string;
}

/** daprd's "dial tcp ... connection refused" (or no such host, or a time-out) for a component. */
function unreachableBroker(fatal: string): Unreachable | undefined {
  const component = /occurred for (\S+) \(([\w.]+)\/v\d+\)/.exec(fatal);
  if (!component) return undefined;
  const refused = /dial tcp (\S+): connect: ([\w /]+)$/.exec(fatal);
  const unknownHost = /dial tcp: lookup (\S+?)(?: on \S+)?: no such host/.exec(fatal);
  const timedOut = /dial tcp (\S+): i\/o timeout/.exec(fatal);
  const [address, reason] = refused
    ? [refused[1]!, `${refused[2]}: nothing listens there`]
    : unknownHost
      ? [unknownHost[1]!, 'no such host name']
      : timedOut
        ? [timedOut[1]!, 'no answer in time']
        : [undefined, undefined];
  return address ? { component: component[1]!, type: component[2]!, address, reason: reason! } : undefined;
}

export function sidecarTimeoutError(sidecar: Sidecar, log: RunLog, seconds: number, hasApp: boolean): HarnessTimeoutError {
  return new HarnessTimeoutError(
    hasApp
      ? `The sidecar of ${sidecar.appId} was not ready within ${seconds} s: it did not finish discovering the app.`
      : `The sidecar of ${sidecar.appId} was not ready within ${seconds} s.`,
    log.tail(12, [sidecar.logSource]),
  );
}

const messages = {
  unreachable: (appId: string, how: string, u: Unreachable, file: string | undefined, standard: boolean) =>
    `The sidecar of ${appId} ${how}: it could not reach the broker of component \`${u.component}\` (${u.type}) at ${u.address} (${u.reason}). ` +
    (standard
      ? 'That is the broker\'s usual address: start the broker (see `npx course doctor`).'
      : `Check the address in ${file ?? 'the component'}.`),
  stoppedRunning: (appId: string, how: string) =>
    `The sidecar of ${appId} ${how} during the check, with no error of its own: something outside it ended it, ` +
    'not a mistake in your exercise. Run the check again.',
};
