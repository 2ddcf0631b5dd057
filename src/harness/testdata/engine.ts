// For tests that need a container engine: the engine, or why there is none, which the skipped
// suite's name shows. COURSE_REQUIRE_ENGINE=1 (CI sets it) makes a missing engine a failure.
import { findEngine } from '../container-engine.js';

const answer = await findEngine();

export const engine = answer.ok ? answer.engine : undefined;

if (!engine && process.env.COURSE_REQUIRE_ENGINE) {
  throw new Error(`COURSE_REQUIRE_ENGINE is set, but no container engine answers: ${answer.ok ? '' : answer.why}`);
}

/** A suite name that says why the suite is skipped where no engine answers. */
export function needsEngine(name: string): string {
  return answer.ok ? name : `${name} (skipped: no container engine answers here: ${answer.why})`;
}

/** Whether the engine still has a container. */
export async function containerExists(id: string): Promise<boolean> {
  return engine!.client.container.dockerode
    .getContainer(id)
    .inspect()
    .then(
      () => true,
      () => false,
    );
}

/** What the engine says about a container: its network mode, command and labels. */
export async function inspectContainer(id: string): Promise<{ networkMode: string; command: string[]; labels: Record<string, string> }> {
  const info = await engine!.client.container.dockerode.getContainer(id).inspect();
  return { networkMode: info.HostConfig.NetworkMode ?? '', command: [info.Path, ...info.Args], labels: info.Config.Labels ?? {} };
}
