// A learner's service started ahead of a warm re-check (spares.ts) as far as it can be without
// their code: a node process, with the environment the run gives the service, that has already
// loaded the packages the service imports (loading @dapr/dapr takes node ~400 ms, most of a
// service's start). When the run starts, it is given the service's compiled file and imports it.
//
// It is the cold start's process in every way the service can see: the same packages, loaded in the
// order the compiled file's own imports would load them and before its code runs, as they would be;
// the same environment, `process.argv` and `process.execArgv`; an error at import is printed and
// exits with code 1, as node does for a main module. A service whose packages changed meanwhile
// is started cold instead.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { PreparedCommand } from './app.js';
import { ownPath, removeOwnedPath, startProcess, type ManagedProcess, type RunLog } from './processes.js';

/** Run by `node --input-type=module -e`: loads the packages, then imports the file stdin names. */
const STARTER = `
import { pathToFileURL } from 'node:url';
await import(pathToFileURL(process.argv[1]).href);
const line = await new Promise((resolve) => {
  let text = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => {
    text += chunk;
    if (text.includes('\\n')) resolve(text.slice(0, text.indexOf('\\n')));
  });
  process.stdin.on('end', () => resolve(''));
});
process.stdin.removeAllListeners();
process.stdin.destroy();
if (!line) process.exit(0);
const { file, args, execArgv } = JSON.parse(line);
process.argv = [process.argv[0], file, ...args];
process.execArgv = execArgv;
await import(pathToFileURL(file).href);
`;

export class StandbyService {
  private go!: (line: string) => void;
  private readonly preload: string;
  readonly process: ManagedProcess;

  /** `prepared`: the service compiled as it is now; its packages are what the standby loads. */
  constructor(
    private readonly prepared: PreparedCommand & { compiled: string; packages: string[] },
    options: { name: string; cwd: string; env: Record<string, string | undefined>; log: RunLog },
  ) {
    // Beside the compiled file, so that each package resolves as from the service.
    this.preload = path.join(path.dirname(prepared.compiled), `${path.basename(prepared.compiled, '.mjs')}-packages.mjs`);
    ownPath(this.preload);
    writeFileSync(this.preload, prepared.packages.map((p) => `import ${JSON.stringify(p)};\n`).join(''));
    this.process = startProcess({
      name: options.name,
      command: prepared.file,
      args: [...nodeFlags(prepared), '--input-type=module', '-e', STARTER, this.preload],
      cwd: options.cwd,
      env: options.env,
      log: options.log,
      input: new Promise((resolve) => (this.go = resolve)),
    });
  }

  /**
   * Starts the service as compiled for the run, when it imports the packages this process loaded
   * and the process still waits; else undefined (the caller starts it cold).
   */
  start(prepared: PreparedCommand): ManagedProcess | undefined {
    const [file, ...args] = prepared.args.slice(nodeFlags(prepared).length);
    const fits =
      !this.process.hasExited &&
      prepared.file === this.prepared.file &&
      isDeepStrictEqual(nodeFlags(prepared), nodeFlags(this.prepared)) &&
      isDeepStrictEqual(prepared.packages, this.prepared.packages) &&
      file === prepared.compiled;
    if (!fits) {
      this.go(''); // it ends by itself
      return undefined;
    }
    this.go(`${JSON.stringify({ file, args, execArgv: nodeFlags(prepared) })}\n`);
    return this.process;
  }

  /** Ends it if it was not started; its preload file goes either way. */
  async close(used: boolean): Promise<void> {
    if (!used) {
      this.go('');
      await this.process.stop(1000);
    }
    removeOwnedPath(this.preload);
    removeOwnedPath(this.prepared.compiled);
  }
}

/** A compiled service's node flags: what comes before its file. */
function nodeFlags(prepared: PreparedCommand): string[] {
  return prepared.args.slice(0, prepared.args.indexOf(prepared.compiled!));
}

/** Whether a service can wait in standby: a TypeScript service the harness compiled, run by node. */
export function canStandBy(prepared: PreparedCommand): prepared is PreparedCommand & { compiled: string; packages: string[] } {
  return prepared.compiled !== undefined && prepared.packages !== undefined && prepared.file === process.execPath && prepared.args.includes(prepared.compiled);
}
