// Run with --expose-gc: waits on a time limit while the garbage collector runs all the time, and
// prints how long each kind of limit took to fire (or that it never did), as JSON.
import { timeLimit } from '../time-limit.js';

const limitMs = Number(process.argv[2] ?? 500);
const giveUpMs = limitMs * 6;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run me with node --expose-gc');

async function firesAfter(signal: AbortSignal): Promise<number | null> {
  const started = Date.now();
  while (!signal.aborted && Date.now() - started < giveUpMs) await new Promise((r) => setTimeout(r, 20));
  return signal.aborted ? Date.now() - started : null;
}

const pressure = setInterval(() => {
  gc();
  const garbage: object[] = [];
  for (let i = 0; i < 50_000; i++) garbage.push({ i });
}, 20);
const outer = AbortSignal.timeout(60_000);
const result = {
  // What the harness used to build: a time limit nothing but AbortSignal.any refers to.
  anyOfTimeout: await firesAfter(AbortSignal.any([outer, AbortSignal.timeout(limitMs)])),
  timeLimit: await firesAfter(timeLimit(limitMs, outer)),
};
clearInterval(pressure);
console.log(JSON.stringify(result));
