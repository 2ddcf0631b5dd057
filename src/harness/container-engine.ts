// The container engine (Docker, or Podman through its Docker socket), found the way testcontainers
// finds one: DOCKER_HOST, ~/.testcontainers.properties, the usual sockets. It is asked only when a
// part of a run has to run in a container, and by `course doctor`: loading testcontainers and
// asking the engine costs about a second.
import type { ContainerRuntimeClient } from 'testcontainers';

// The course removes its own containers (labels, run files, signal handlers: containers.ts).
// testcontainers' reaper (ryuk) is an image, which cannot be pulled where no registry answers.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
// The harness reaches published ports on 127.0.0.1 itself. Without this, testcontainers run inside
// something with /.dockerenv (a dev container, some VMs) pulls and runs alpine to find a gateway.
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';

/** What to do when a part must run in a container and no engine answers. */
export const START_ENGINE_HINT = 'Start Docker (or Podman), or install daprd and redis-server on this machine (see `npx course doctor`).';

/** What the engine says about where it runs: enough to choose the network layout. */
export interface EngineFacts {
  /** e.g. `Docker Desktop`, `Debian GNU/Linux 12 (bookworm)`. */
  operatingSystem: string;
  /** The engine host's name and kernel: equal to this machine's when the engine runs on it. */
  name: string;
  kernelVersion: string;
  serverVersion: string;
  /** A rootless engine's host network is its own namespace, not this machine's. */
  rootless: boolean;
}

export interface Engine {
  client: ContainerRuntimeClient;
  facts: EngineFacts;
}

export type EngineAnswer = { ok: true; engine: Engine } | { ok: false; why: string };

const ANSWER_WITHIN_MS = 8000;
let asked: Promise<EngineAnswer> | undefined;

/** The engine, or why there is none. Asked once per process. COURSE_NO_DOCKER pretends there is none. */
export function findEngine(): Promise<EngineAnswer> {
  if (process.env.COURSE_NO_DOCKER) return Promise.resolve({ ok: false, why: messages.disabled });
  asked ??= askEngine();
  return asked;
}

async function askEngine(): Promise<EngineAnswer> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const client = await Promise.race([
      getContainerRuntimeClient(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(messages.noAnswer(ANSWER_WITHIN_MS))), ANSWER_WITHIN_MS);
      }),
    ]);
    const info = (await client.container.dockerode.info()) as {
      OperatingSystem?: string;
      Name?: string;
      KernelVersion?: string;
      ServerVersion?: string;
      SecurityOptions?: string[];
    };
    const facts: EngineFacts = {
      operatingSystem: info.OperatingSystem ?? 'unknown',
      name: info.Name ?? '',
      kernelVersion: info.KernelVersion ?? '',
      serverVersion: info.ServerVersion ?? '',
      rootless: (info.SecurityOptions ?? []).some((o) => o.includes('name=rootless')),
    };
    return { ok: true, engine: { client, facts } };
  } catch (error) {
    return { ok: false, why: firstLine(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** For doctor: `20.10.24 on Debian GNU/Linux 12 (bookworm)`. */
export function describeEngine(facts: EngineFacts): string {
  return `${facts.serverVersion} on ${facts.operatingSystem}${facts.rootless ? ' (rootless)' : ''}`;
}

export function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]!.slice(0, 200);
}

const messages = {
  disabled: 'COURSE_NO_DOCKER is set',
  noAnswer: (ms: number) => `the container engine did not answer within ${ms / 1000} s`,
};
