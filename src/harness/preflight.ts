// What `course doctor` checks, as data: each finding says what was found and, when something is
// wrong, the command that fixes it. The terminal UI lives in src/commands/doctor.ts.
import { execFileSync } from 'node:child_process';
import { describeEngine, findEngine, type EngineAnswer } from './container-engine.js';
import { DAPR_VERSION, DAPRD_INSTALL_HINT, daprdCandidates, daprdVersion } from './daprd-binary.js';
import { DAPRD_IMAGE, REDIS_IMAGE } from './docker.js';
import { chooseLayout } from './network-layout.js';
import { freePort, portInUse } from './ports.js';
import { findRedisServer, REDIS_INSTALL_HINT } from './redis.js';
import { chooseRuntime, usesContainers, type PartChoice, type RuntimePlan } from './runtime-choice.js';
import { findOnPath } from './which.js';

export type Status = 'ok' | 'warn' | 'fail';

export interface Finding {
  name: string;
  status: Status;
  detail: string;
  fix?: string;
}

const MIN_NODE: [number, number] = [20, 19];

export function checkNode(version = process.versions.node): Finding {
  const [major, minor] = version.split('.').map(Number) as [number, number];
  const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  return {
    name: 'Node.js',
    status: ok ? 'ok' : 'fail',
    detail: `v${version}${ok ? '' : ` (this course needs ${MIN_NODE.join('.')} or newer)`}`,
    fix: ok ? undefined : 'Install Node.js 20.19+ or 22 LTS from https://nodejs.org (or with nvm: `nvm install 22`).',
  };
}

export function checkDaprd(): Finding {
  const candidates = daprdCandidates();
  for (const candidate of candidates) {
    if (!candidate.path) continue;
    const version = daprdVersion(candidate.path, { fresh: true });
    if (!version) {
      return {
        name: 'daprd',
        status: 'fail',
        detail: `${candidate.path} (from ${candidate.source}) does not run`,
        fix: candidate.source === 'DAPRD_PATH' ? 'Unset DAPRD_PATH or point it at a daprd binary.' : DAPRD_INSTALL_HINT,
      };
    }
    const same = version === DAPR_VERSION;
    return {
      name: 'daprd',
      status: same ? 'ok' : 'warn',
      detail: `${version} at ${candidate.path} (found through ${candidate.source})`,
      fix: same ? undefined : `The course is written for ${DAPR_VERSION}; most of it works on nearby versions. \`npx course setup\` builds ${DAPR_VERSION} where Go is installed.`,
    };
  }
  const go = findOnPath('go');
  return {
    name: 'daprd',
    status: 'fail',
    detail: `not found (looked in ${candidates.map((c) => c.source).join(', ')})`,
    fix: go ? `Run \`npx course setup\`: it builds daprd ${DAPR_VERSION} with your Go toolchain.` : DAPRD_INSTALL_HINT,
  };
}

export function checkGo(): Finding {
  const go = findOnPath('go');
  if (!go) return { name: 'Go (to build daprd)', status: 'warn', detail: 'not installed: only needed when no daprd is found' };
  let version = '';
  try {
    version = execFileSync(go, ['version'], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch {
    version = 'present, but `go version` failed';
  }
  return { name: 'Go (to build daprd)', status: 'ok', detail: version };
}

export function checkRedis(): Finding {
  const binary = findRedisServer();
  if (!binary) return { name: 'Redis', status: 'fail', detail: 'no redis-server on PATH', fix: REDIS_INSTALL_HINT };
  try {
    const out = execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    return { name: 'Redis', status: 'ok', detail: `redis-server ${out.match(/v=(\S+)/)?.[1] ?? out.trim()} at ${binary}` };
  } catch {
    return { name: 'Redis', status: 'fail', detail: `${binary} does not run`, fix: REDIS_INSTALL_HINT };
  }
}

/**
 * Where daprd and Redis run on this machine and why (runtime-choice.ts), each part checked where
 * it runs, and the container engine with the network layout a daprd container would get.
 */
export async function checkRuntime(): Promise<Finding[]> {
  let plan: RuntimePlan;
  try {
    plan = await chooseRuntime();
  } catch (error) {
    return [{ name: 'runtime', status: 'fail', detail: (error as Error).message }];
  }
  const engine = await findEngine();
  return [
    plan.daprd.where === 'local' ? withWhy(checkDaprd(), plan.daprd) : await checkContainerPart('daprd', DAPRD_IMAGE, plan.daprd, engine),
    checkGo(),
    plan.redis.where === 'local' ? withWhy(checkRedis(), plan.redis) : await checkContainerPart('Redis', REDIS_IMAGE, plan.redis, engine),
    checkEngine(engine, plan),
  ];
}

/** A local part's finding, saying that it runs here, or why nothing else can stand in for it. */
function withWhy(finding: Finding, choice: PartChoice): Finding {
  return finding.status === 'ok' ? { ...finding, detail: `runs here: ${finding.detail}` } : { ...finding, detail: `${finding.detail} (${choice.why})` };
}

async function checkContainerPart(name: string, image: string, choice: PartChoice, engine: EngineAnswer): Promise<Finding> {
  if (!engine.ok) return { name, status: 'fail', detail: `would run in a container (${choice.why}), but no container engine answers: ${engine.why}`, fix: messages.startEngine };
  const present = await engine.engine.client.image.exists((await import('testcontainers')).ImageName.fromString(image)).catch(() => false);
  return {
    name,
    status: 'ok',
    detail: `runs in a container, ${image} (${present ? 'image present' : 'pulled at the first check'}): ${choice.why}`,
  };
}

function checkEngine(engine: EngineAnswer, plan: RuntimePlan): Finding {
  const name = 'container engine';
  if (!engine.ok) {
    return usesContainers(plan)
      ? { name, status: 'fail', detail: `none answered (${engine.why})`, fix: messages.startEngine }
      : { name, status: 'warn', detail: `none answered: optional, daprd and redis-server run here (${engine.why})` };
  }
  const detail = describeEngine(engine.engine.facts);
  if (plan.daprd.where === 'local') return { name, status: 'ok', detail };
  try {
    const choice = chooseLayout(engine.engine.facts);
    const layout = choice.layout === 'host' ? 'join the host network' : 'use the bridge and host.docker.internal';
    return { name, status: 'ok', detail: `${detail}; daprd containers ${layout}: ${choice.why}` };
  } catch (error) {
    return { name, status: 'fail', detail: (error as Error).message };
  }
}

/** Loopback binding works, and the fixed ports `course run` uses are free. */
export async function checkPorts(fixed: { port: number; what: string }[]): Promise<Finding> {
  try {
    await freePort();
  } catch (error) {
    return {
      name: 'ports',
      status: 'fail',
      detail: `cannot listen on 127.0.0.1: ${(error as Error).message}`,
      fix: 'Allow local listening sockets on 127.0.0.1 (a firewall or sandbox is blocking them).',
    };
  }
  const busy: string[] = [];
  for (const { port, what } of fixed) if (await portInUse(port)) busy.push(`${port} (${what})`);
  if (busy.length === 0) return { name: 'ports', status: 'ok', detail: `127.0.0.1 free ports available; ${fixed.length} fixed ports for \`course run\` are free` };
  return {
    name: 'ports',
    status: 'warn',
    detail: `in use: ${busy.join(', ')}; checks are not affected (they pick free ports), \`course run\` is`,
    fix: 'Stop the program holding those ports (`lsof -i :PORT` shows it), or a `course run` left running.',
  };
}

const messages = {
  startEngine: 'Start Docker (Docker Desktop, or `sudo systemctl start docker`) or Podman; or install daprd (`dapr init --slim`) and redis-server, so that nothing needs a container.',
};
