// Starting one of dapr.yaml's apps after the others, into the running environment: a user who joins
// a chat late, a service deployed after events were already published. Leave the app out of the
// first start with `useExercise({ skipApps: [appId] })`, then call `startLater(env(), appId)`.
import { LearnerCodeError, readRunFile, type RunningApp } from '../../src/harness/check-api.js';
import { appSpecOf, exerciseDir, type Environment } from './exercise.js';

export async function startLater(env: Environment, appId: string, extraEnv: Record<string, string> = {}): Promise<RunningApp> {
  const app = readRunFile(exerciseDir()).apps.find((a) => a.appId === appId);
  if (!app) throw new LearnerCodeError(`dapr.yaml has no app \`${appId}\`, which this check starts later: put its entry back.`);
  return env.addApp(appSpecOf(app, extraEnv));
}
