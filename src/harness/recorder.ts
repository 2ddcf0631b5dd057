// How the harness records a run's timeline: a hop between each sidecar and its app (daprd's
// --app-port is the hop's; the app keeps its APP_PORT) and one between each app and its sidecar's
// HTTP API (the app's DAPR_HTTP_PORT is the hop's), the SDK's log lines, each sidecar's
// subscriptions, and the run's Redis. Off with COURSE_TIMELINE=off.
import { Hop } from '../timeline/hop.js';
import type { SubscriptionInfo } from '../timeline/correlate.js';
import type { Timeline } from '../timeline/timeline.js';
import type { Environment } from './environment.js';
import { freePort } from './ports.js';
import type { RunLog } from './processes.js';

export interface AppRecording {
  /** What daprd is told the app's port is (--app-port): the hop in front of the app. */
  daprdAppPort?: number;
  /** What the app is told its sidecar's HTTP port is (DAPR_HTTP_PORT): the hop in front of the API. */
  appDaprHttpPort?: number;
  close(): Promise<void>;
}

export interface RecordAppOptions {
  name: string;
  appPort?: number;
  /** The app has a process that calls its sidecar (not a probe, not a bare sidecar). */
  callsSidecar: boolean;
  daprHttpPort: number;
  listenHost: string;
  log: RunLog;
  /** Aborted when the run stops: hops still waiting for their far side give up. */
  signal: AbortSignal;
}

export async function recordApp(timeline: Timeline, options: RecordAppOptions): Promise<AppRecording> {
  const hops: Hop[] = [];
  const recording: AppRecording = { close: async () => void (await Promise.all(hops.map((h) => h.close()))) };
  const start = (hop: Hop, listening?: string) => {
    hops.push(hop);
    hop.start(options.signal).then(
      () => listening && options.log.add(TIMELINE_SOURCE, listening),
      (error: Error) => {
        if (!options.signal.aborted) options.log.add(TIMELINE_SOURCE, messages.hopFailed(options.name, error.message));
      },
    );
    return hop.port;
  };
  if (options.appPort !== undefined) {
    const port = await hopPort();
    // daprd will log that it discovered the app on the hop's port: say why, just before.
    recording.daprdAppPort = start(
      new Hop({
        listenHost: options.listenHost,
        port,
        upstream: { host: '127.0.0.1', port: options.appPort },
        onExchange: (exchange) => timeline.recordDelivery(options.name, exchange),
      }),
      messages.listening(options.name, options.appPort, port),
    );
  }
  if (options.callsSidecar) {
    recording.appDaprHttpPort = start(
      new Hop({
        listenHost: '127.0.0.1',
        port: await hopPort(),
        upstream: { host: '127.0.0.1', port: options.daprHttpPort },
        onExchange: (exchange) => timeline.recordCall(options.name, exchange),
      }),
    );
  }
  return recording;
}

/**
 * A port for a hop, reserved as every port of a run is (freePort): a hop binds it only once its app
 * listens, seconds after it was chosen, and meanwhile no other port of this run or of another check
 * may be given the same number (one check's hop took another's daprd port, which then failed to
 * start: 'dapr-http-port conflicts with app-port', 'could not listen on any endpoint').
 */
const hopPort = () => freePort();

/** Starts what the whole run records: the apps' log lines and, where there is one, the Redis. */
export function recordRun(env: Environment): void {
  const { timeline } = env;
  if (!timeline.enabled) return;
  env.log.onLine((line) => {
    if (env.apps.has(line.source)) timeline.recordLogLine(line.source, line.at, line.text);
  });
  if (env.redis) timeline.useBroker({ host: env.redis.host, port: env.redis.port });
  timeline.refreshSubscriptions = () => readSubscriptions(env);
}

/** Each sidecar's subscriptions, for knowing which topic a delivery's path belongs to. */
export async function readSubscriptions(env: Environment): Promise<void> {
  await Promise.all(
    [...env.apps.values()]
      .filter((app) => app.appPort !== undefined)
      .map(async (app) => {
        try {
          const subscriptions = await env.subscriptions(app.name);
          env.timeline.setSubscriptions(app.name, subscriptions.map(subscriptionInfo));
        } catch {
          // the sidecar is stopping; keep what was read before
        }
      }),
  );
}

function subscriptionInfo(s: { pubsubname: string; topic: string; deadLetterTopic?: string; rules?: unknown }): SubscriptionInfo {
  const rules = Array.isArray(s.rules) ? (s.rules as { path?: unknown }[]) : [];
  return {
    pubsubname: s.pubsubname,
    topic: s.topic,
    deadLetterTopic: s.deadLetterTopic || undefined,
    paths: rules.map((r) => r.path).filter((p): p is string => typeof p === 'string'),
  };
}

/** The run log's source for the recorder's own lines (`course run` prints them; checks leave them out). */
export const TIMELINE_SOURCE = 'timeline';

const messages = {
  listening: (app: string, appPort: number, hopPort: number) =>
    `${app} listens on port ${appPort}; its sidecar reaches it through the timeline's recorder on port ${hopPort}`,
  hopFailed: (app: string, reason: string) => `could not record ${app}'s exchanges with its sidecar: ${reason}`,
};
