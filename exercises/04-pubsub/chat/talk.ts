// A terminal chat client for one running user. You do not need to change this file.
//
//   npx tsx talk.ts <user's app port> <room>      e.g. npx tsx talk.ts 5001 general   (alice)
//
// Each line you type is sent to the room through that user's POST /send; what the user shows in
// the room (GET /messages?room=...) is printed as it appears. Ctrl+C or Ctrl+D quits.
import readline from 'node:readline';
import type { ChatMessage } from './chat.js';

const [port, room] = process.argv.slice(2);
if (!port || !room) {
  console.error('usage: npx tsx talk.ts <app port> <room>   (alice is 5001, bob 5002, carol 5003, dave 5004)');
  process.exit(2);
}
const base = `http://127.0.0.1:${port}`;

const who = await fetch(base).then(
  (res) => res.json() as Promise<{ user: string; rooms: string[] }>,
  () => undefined,
);
if (!who) {
  console.error(`Nobody answers on ${base}: start the users first (npx course run chat).`);
  process.exit(1);
}
if (!who.rooms.includes(room)) {
  console.error(`${who.user} has not joined ${room}; its rooms are: ${who.rooms.join(', ') || 'none'}.`);
  process.exit(1);
}
console.log(`You are ${who.user} in ${room}. Type a message and press Enter.`);

const input = readline.createInterface({ input: process.stdin, output: process.stdout, prompt: '' });
const printed = new Set<string>();

function show(message: ChatMessage): void {
  const time = new Date(message.sentAt).toLocaleTimeString();
  readline.clearLine(process.stdout, 0);
  readline.cursorTo(process.stdout, 0);
  console.log(`[${time}] ${message.sender}: ${message.text}`);
  input.prompt(true);
}

async function poll(): Promise<void> {
  try {
    const res = await fetch(`${base}/messages?room=${encodeURIComponent(room!)}`);
    if (res.ok) {
      for (const message of (await res.json()) as ChatMessage[]) {
        if (printed.has(message.id)) continue;
        printed.add(message.id);
        show(message);
      }
    }
  } catch {
    // the user is restarting; try again on the next tick
  }
  setTimeout(poll, 300);
}
void poll();

input.on('line', async (line) => {
  // In a terminal, replace the typed line by the message as the room shows it.
  if (process.stdout.isTTY) {
    readline.moveCursor(process.stdout, 0, -1);
    readline.clearLine(process.stdout, 0);
  }
  const text = line.trim();
  if (!text) return;
  const res = await fetch(`${base}/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ room, text }),
  }).catch((error: unknown) => ({ ok: false, status: 0, text: async () => String(error) }));
  if (!res.ok) console.log(`(not sent: ${res.status} ${await res.text()})`);
});
input.on('close', () => process.exit(0));
