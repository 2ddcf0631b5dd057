// An exercise's apps, described in the Dapr CLI's own multi-app run file (dapr.yaml), so a learner
// who has the Dapr CLI can also `dapr run -f .` the same exercise.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { LearnerCodeError } from './errors.js';

const appSchema = z
  .object({
    appID: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'an app-id is lowercase letters, digits and dashes'),
    appDirPath: z.string().default('.'),
    appPort: z.number().int().positive().optional(),
    appProtocol: z.literal('http').optional(),
    daprHTTPPort: z.number().int().positive().optional(),
    daprGRPCPort: z.number().int().positive().optional(),
    command: z.array(z.string()).min(1).optional(),
    env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
    resourcesPath: z.string().optional(),
    logLevel: z.string().optional(),
  })
  .passthrough();

const runFileSchema = z
  .object({
    version: z.literal(1),
    common: z
      .object({
        resourcesPath: z.string().optional(),
        env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
      })
      .passthrough()
      .optional(),
    apps: z.array(appSchema).min(1),
  })
  .passthrough();

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
