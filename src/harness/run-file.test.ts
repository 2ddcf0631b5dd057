import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { scratchDir } from '../../test/helpers/temp.js';
import { resolveCommand } from './app.js';
import { readRunFile } from './run-file.js';

function runFile(text: string): string {
  const dir = scratchDir('runfile');
  writeFileSync(path.join(dir, 'dapr.yaml'), text);
  return dir;
}

describe('dapr.yaml', () => {
  test('reads apps with their folders, commands, ports and resources path', () => {
    const dir = runFile(`
version: 1
common:
  resourcesPath: ./resources
  env:
    LOG: debug
apps:
  - appID: orders
    appDirPath: ./orders
    appPort: 5001
    command: ["npx", "tsx", "orders.ts"]
    env:
      RETRIES: 3
`);
    const { apps } = readRunFile(dir);
    expect(apps).toEqual([
      {
        appId: 'orders',
        dir: path.join(dir, 'orders'),
        command: ['npx', 'tsx', 'orders.ts'],
        appPort: 5001,
        daprHttpPort: undefined,
        daprGrpcPort: undefined,
        env: { LOG: 'debug', RETRIES: '3' },
        resourcesDir: path.join(dir, 'resources'),
      },
    ]);
  });

  test('names the field that is wrong', () => {
    expect(() => readRunFile(runFile('version: 1\napps:\n  - appID: Orders_1\n'))).toThrow(/apps\.0\.appID: an app-id is lowercase/);
    expect(() => readRunFile(runFile('version: 2\napps: []\n'))).toThrow(/dapr.yaml: version/);
  });

  test('runs `npx tsx file.ts` as node with the tsx loader, which starts faster', () => {
    const { file, args } = resolveCommand(['npx', 'tsx', 'orders.ts']);
    expect(file).toBe(process.execPath);
    expect(args[0]).toBe('--import');
    expect(args[1]).toMatch(/^file:.*tsx/);
    expect(args[2]).toBe('orders.ts');
  });
});
