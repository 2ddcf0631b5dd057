// An exercise's apps, described in the Dapr CLI's own multi-app run file (dapr.yaml), so a learner
// who has the Dapr CLI can also `dapr run -f .` the same exercise.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import en from 'zod/v4/locales/en.js';
import * as z from 'zod/mini';
import { LearnerCodeError } from './errors.js';

// zod/mini: the same checks as zod's full API, a fraction of the code for a check's worker to load
// (the check API bundle is ~2/3 smaller with it).
z.config(en());

const envValues = z.optional(z.record(z.string(), z.pipe(z.union([z.string(), z.number(), z.boolean()]), z.transform(String))));
const port = z.optional(z.number().check(z.int(), z.positive()));

const appSchema = z.looseObject({
  appID: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]*$/, 'an app-id is lowercase letters, digits and dashes')),
  appDirPath: z._default(z.string(), '.'),
  appPort: port,
  appProtocol: z.optional(z.literal('http')),
  daprHTTPPort: port,
  daprGRPCPort: port,
  command: z.optional(z.array(z.string()).check(z.minLength(1))),
  env: envValues,
  resourcesPath: z.optional(z.string()),
  logLevel: z.optional(z.string()),
});

const runFileSchema = z.looseObject({
  version: z.literal(1),
  common: z.optional(z.looseObject({ resourcesPath: z.optional(z.string()), env: envValues })),
  apps: z.array(appSchema).check(z.minLength(1)),
});

export interface RunFileApp {
  appId: string;
  /** Absolute folder the command runs in. */
  dir: string;
  command?: string[];
  /** Fixed ports from the run file; checks ignore them and pick free ones. */
  appPort?: number;
  daprHttpPort?: number;
  daprGrpcPort?: number;
  env: Record<string, string>;
  /** Absolute resources folder. */
  resourcesDir: string;
}

export interface RunFile {
  file: string;
  apps: RunFileApp[];
}

export function readRunFile(dir: string): RunFile {
  const file = path.join(dir, 'dapr.yaml');
  if (!existsSync(file)) throw new LearnerCodeError(`${file} is missing: it lists the apps to start.`);
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new LearnerCodeError(`dapr.yaml is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const parsed = runFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new LearnerCodeError(`dapr.yaml: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  const common = parsed.data.common ?? {};
  const ids = new Set<string>();
  const apps = parsed.data.apps.map((app) => {
    if (ids.has(app.appID)) throw new LearnerCodeError(`dapr.yaml: appID \`${app.appID}\` is used twice.`);
    ids.add(app.appID);
    const appDir = path.resolve(dir, app.appDirPath);
    return {
      appId: app.appID,
      dir: appDir,
      command: app.command,
      appPort: app.appPort,
      daprHttpPort: app.daprHTTPPort,
      daprGrpcPort: app.daprGRPCPort,
      env: { ...common.env, ...app.env },
      // The Dapr CLI resolves an app's resourcesPath against its appDirPath, common's against the file.
      resourcesDir: app.resourcesPath
        ? path.resolve(appDir, app.resourcesPath)
        : path.resolve(dir, common.resourcesPath ?? './resources'),
    };
  });
  return { file, apps };
}
