// Free TCP ports on 127.0.0.1 for Redis, the sidecars and the services.
//
// A port is only safe between handing it out and its user binding it if no one else can pick it in
// between. Two things could: another course process (a learner's second check, a test worker) and
// the OS itself, which hands out ports from its ephemeral range to every `listen(0)` and outgoing
// connection. So ports come from below that range, and each is reserved across processes by a file
// named after the port and its owner's pid, for as long as the owner lives: being bound is not
// enough, since a check that stops a service or sidecar and starts it again on the same port (the
// saga's restarts, a held-down service) leaves the port unbound meanwhile, and another check must
// not take it then. A reservation whose owner is gone no longer counts; nor one older than an hour
// (no check lasts that long), in case the owner's pid was reused.
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pidAlive } from './process-tree.js';

/** Below Linux's default ephemeral range (32768-60999) and macOS's (49152-65535). */
const RANGE = { low: 20_000, high: 32_767 };
const RESERVATIONS = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'dapr-pubsub-course', 'ports');

const RESERVED_MS = 60 * 60_000;

/** Ports this process handed out: never handed out twice (one of its own runs may still use it). */
const handedOut = new Set<number>();

/** Binds and closes: true when free, else the error's code. */
function tryBind(port: number, host: string): Promise<true | string> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * Whether nothing holds the port on `host` nor on any other address: daprd's internal gRPC server
 * listens on every interface, which fails when anything has the port, on IPv6's ::1 as well
 * (where a check of 127.0.0.1 alone sees it free). `::` is every address of both families; a
 * machine without IPv6 is asked for IPv4's.
 */
export async function isFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  if ((await tryBind(port, host)) !== true) return false;
  const everywhere = await tryBind(port, '::');
  if (everywhere === true) return true;
  if (everywhere === 'EAFNOSUPPORT' || everywhere === 'EADDRNOTAVAIL') return (await tryBind(port, '0.0.0.0')) === true;
  return false;
}

/** Whether a reservation file (`<port>.<pid>`) still counts: its owner lives and it is recent. */
function counts(name: string): boolean {
  const owner = Number(name.split('.')[1]);
  try {
    return Date.now() - statSync(path.join(RESERVATIONS, name)).mtimeMs < RESERVED_MS && pidAlive(owner);
  } catch {
    return false; // removed meanwhile
  }
}

/**
 * Reserves the port unless another live process has. Each process writes its own file and then
 * looks for others': of two that reserve at once, at least the later one sees the earlier and
 * backs off, so a port never has two owners (both backing off is fine: another port is tried).
 */
export function reservePort(port: number): boolean {
  const mine = `${port}.${process.pid}`;
  writeFileSync(path.join(RESERVATIONS, mine), '');
  const others = readdirSync(RESERVATIONS).filter((name) => name.startsWith(`${port}.`) && name !== mine);
  for (const stale of others.filter((name) => !counts(name))) rmSync(path.join(RESERVATIONS, stale), { force: true });
  if (others.some(counts)) {
    rmSync(path.join(RESERVATIONS, mine), { force: true });
    return false;
  }
  return true;
}

let releaseInstalled = false;
function releaseOnExit(): void {
  if (releaseInstalled) return;
  releaseInstalled = true;
  process.once('exit', () => {
    for (const port of handedOut) rmSync(path.join(RESERVATIONS, `${port}.${process.pid}`), { force: true });
  });
}

/** A free port on `host` (this machine's loopback unless said otherwise), reserved for this process. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  mkdirSync(RESERVATIONS, { recursive: true });
  releaseOnExit();
  for (let tries = 0; tries < 1000; tries++) {
    const port = RANGE.low + Math.floor(Math.random() * (RANGE.high - RANGE.low + 1));
    if (handedOut.has(port) || !reservePort(port)) continue;
    handedOut.add(port);
    if (await isFree(port, host)) return port;
  }
  throw new Error(`No free port between ${RANGE.low} and ${RANGE.high} on ${host}`);
}

export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await freePort());
  return ports;
}

/** Whether something already listens on (or holds) the port on 127.0.0.1. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

/** Resolves once a TCP connection to the port succeeds; rejects when `signal` aborts. */
export async function waitForListening(port: number, signal: AbortSignal, intervalMs = 25): Promise<void> {
  while (!signal.aborted) {
    if (await canConnect(port)) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw signal.reason ?? new Error('aborted');
}

/** Whether something accepts TCP connections on the port on 127.0.0.1 now. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
