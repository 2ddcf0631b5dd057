// What course check starts ahead: only a run its exercise's last two checks both asked for.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../../test/helpers/temp.js';
import type { Exercise } from '../course/manifest.js';
import { rememberRuns, runsToStartAhead } from './runs-ahead.js';

const exercise = { id: 'publish-order' } as Exercise;
const run = (port: number) => ({ apps: [{ appId: 'checkout', daprHttpPortForApp: port }] });

describe('runs to start ahead', () => {
  it('are the last check\'s once the check before asked for the same, and none after a change', () => {
    const root = scratchDir('runs-ahead');
    expect(runsToStartAhead(root, exercise)).toEqual([]);
    rememberRuns(root, exercise, [run(1)]);
    expect(runsToStartAhead(root, exercise)).toEqual([]);
    rememberRuns(root, exercise, [run(1)]);
    expect(runsToStartAhead(root, exercise)).toEqual([run(1)]);
    // A check that asks for a new run each time (a gate on a free port) never gets one started.
    rememberRuns(root, exercise, [run(2)]);
    expect(runsToStartAhead(root, exercise)).toEqual([]);
    rememberRuns(root, exercise, [run(3)]);
    expect(runsToStartAhead(root, exercise)).toEqual([]);
  });

  it('are none when the file is not what it should be', () => {
    const root = scratchDir('runs-ahead');
    mkdirSync(path.join(root, '.course', 'runs-ahead'), { recursive: true });
    writeFileSync(path.join(root, '.course', 'runs-ahead', 'publish-order.json'), '{"runs": 3, "same": true');
    expect(runsToStartAhead(root, exercise)).toEqual([]);
    writeFileSync(path.join(root, '.course', 'runs-ahead', 'publish-order.json'), '{"runs": 3, "same": true}');
    expect(runsToStartAhead(root, exercise)).toEqual([]);
  });
});
