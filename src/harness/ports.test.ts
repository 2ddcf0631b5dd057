// Ports handed out by one course process are never handed out by another at the same time (a
// learner's second check, a test worker), and never come from the OS's ephemeral range.
import { execa } from 'execa';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import net from 'node:net';
import { freePort, isFree, reservePort } from './ports.js';

const reservations = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'dapr-pubsub-course', 'ports');

/**
 * Another process that takes `count` ports at once and prints them, and holds them (it lives)
 * until `release` is called: a process that has exited holds nothing.
 */
async function portsOfAnotherProcess(count: number) {
  const script = `import { freePort } from ${JSON.stringify(path.join(import.meta.dirname, 'ports.ts'))};
const ports = await Promise.all(Array.from({ length: ${count} }, () => freePort()));
console.log(JSON.stringify(ports));
process.stdin.resume().on('end', () => process.exit(0));`;
  const child = execa(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdin: 'pipe' });
  const [line] = (await once(child.stdout!.setEncoding('utf8'), 'data')) as [string];
  return { ports: JSON.parse(line) as number[], release: () => (child.stdin!.end(), child) };
}

describe('free ports', () => {
  it('a port held on any address, IPv6 loopback included, is not free: daprd listens on all of them', async () => {
    const port = await freePort();
    expect(await isFree(port)).toBe(true);
    for (const host of ['::1', '127.0.0.1', '0.0.0.0']) {
      const holder = net.createServer();
      await new Promise<void>((resolve, reject) => holder.once('error', reject).listen(port, host, resolve));
      try {
        expect(await isFree(port), `held on ${host}`).toBe(false);
      } finally {
        await new Promise((resolve) => holder.close(resolve));
      }
    }
    expect(await isFree(port)).toBe(true);
  });

  it('two processes asking at the same time get different ports, below the ephemeral range', async () => {
    const [first, second] = await Promise.all([portsOfAnotherProcess(300), portsOfAnotherProcess(300)]);
    await Promise.all([first.release(), second.release()]);
    const [a, b] = [first.ports, second.ports];
    expect(new Set(a).size).toBe(300);
    expect(a.filter((port) => b.includes(port))).toEqual([]);
    const [ephemeralLow] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    for (const port of [...a, ...b]) expect(port).toBeLessThan(ephemeralLow!);
  });

  it('a reservation counts while its owner lives, even unbound for minutes; a gone owner\'s or an hour-old one does not', () => {
    const port = 20_000 + Math.floor(Math.random() * 100);
    const gone = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8')) + 1;
    const theirs = path.join(reservations, `${port}.${process.ppid}`);
    const ours = path.join(reservations, `${port}.${process.pid}`);
    try {
      mkdirSync(reservations, { recursive: true });
      writeFileSync(theirs, '');
      expect(reservePort(port)).toBe(false);
      expect(existsSync(ours)).toBe(false);
      // Still theirs after minutes: a check may stop and restart what uses it.
      const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
      utimesSync(theirs, tenMinutesAgo, tenMinutesAgo);
      expect(reservePort(port)).toBe(false);
      const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60_000);
      utimesSync(theirs, twoHoursAgo, twoHoursAgo);
      expect(reservePort(port)).toBe(true);
      rmSync(ours);
      writeFileSync(path.join(reservations, `${port}.${gone}`), '');
      expect(reservePort(port)).toBe(true);
      expect(readdirSync(reservations).filter((name) => name.startsWith(`${port}.`))).toEqual([`${port}.${process.pid}`]);
    } finally {
      rmSync(ours, { force: true });
      rmSync(theirs, { force: true });
    }
  });
});
