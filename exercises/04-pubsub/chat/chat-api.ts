// The HTTP API of one chat user, mounted on the DaprServer's own web server (the same port daprd
// delivers messages to). You do not need to change this file.
//
//   GET  /                      -> { user, rooms }
//   POST /send { room, text }   -> 201 with the message that was published
//   GET  /messages?room=general -> the messages this user shows for the room, in display order
//
// And a failure input, to see the worst order the broker can deliver in (the check uses it):
//   HOLD_DELIVERIES=1 (env)     -> every delivery waits, unhandled, from the start
//   POST /deliveries/hold       -> the same, from now on
//   GET  /deliveries/held       -> { held: how many wait }
//   POST /deliveries/release    -> lets them all into your handlers at once, highest seq first
// And one to send several messages within the same millisecond, as several tabs can (the check uses it):
//   POST /clock/stop            -> Date.now() and new Date() give this moment, until
//   POST /clock/start           -> the clock runs again
import type { DaprServer } from '@dapr/dapr';
import type { ChatMessage } from './chat.js';

export interface ChatUser {
  user: string;
  rooms: string[];
  send(room: string, text: string): Promise<ChatMessage>;
  messages(room: string): ChatMessage[];
}

interface Request {
  body?: unknown;
  query: Record<string, unknown>;
}
interface Delivery {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  body?: { data?: { seq?: unknown } };
}
interface Response {
  status(code: number): Response;
  json(body: unknown): void;
}
type Handler = (req: Request, res: Response) => void | Promise<void>;
interface Routes {
  get(path: string, handler: Handler): void;
  post(path: string, handler: Handler): void;
}

/**
 * The failure input above. Call it before joinRooms: it must see each delivery before the
 * handlers do. Released deliveries enter the handlers in one go, newest first (highest `seq`):
 * the most out-of-order arrival that parallel workers can produce, every time.
 */
export function holdDeliveries(server: DaprServer, heldFromStart: boolean): void {
  const app = server.daprServer.getServer() as Routes & { use(handler: (req: Delivery, res: unknown, next: () => void) => void): void };
  let held: { seq: number; go: () => void }[] | undefined = heldFromStart ? [] : undefined;
  app.use((req, _res, next) => {
    const delivery = req.method === 'POST' && String(req.headers['content-type']).startsWith('application/cloudevents+json');
    if (!delivery || !held) return next();
    held.push({ seq: Number(req.body?.data?.seq) || 0, go: next });
  });
  app.post('/deliveries/hold', (_req, res) => {
    held ??= [];
    res.status(200).json({ held: held.length });
  });
  app.get('/deliveries/held', (_req, res) => res.status(200).json({ held: held?.length ?? 0 }));
  app.post('/deliveries/release', (_req, res) => {
    const waiting = (held ?? []).sort((a, b) => b.seq - a.seq);
    held = undefined;
    for (const delivery of waiting) delivery.go();
    res.status(200).json({ released: waiting.length });
  });
}

/**
 * The clock switch above: while it is stopped, every `Date.now()` and `new Date()` in this process
 * gives the moment it stopped, so all messages sent meanwhile are sent in the same millisecond.
 */
function stoppableClock(routes: Routes): void {
  const RealDate = Date;
  routes.post('/clock/stop', (_req, res) => {
    const at = RealDate.now();
    globalThis.Date = new Proxy(RealDate, {
      construct: (target, args: unknown[]) => Reflect.construct(target, args.length === 0 ? [at] : args) as object,
      apply: (target, self, args: unknown[]) => (args.length === 0 ? new target(at).toString() : Reflect.apply(target, self, args)) as unknown,
      get: (target, key) => (key === 'now' ? () => at : Reflect.get(target, key)) as unknown,
    });
    res.status(200).json({ stoppedAt: new RealDate(at).toISOString() });
  });
  routes.post('/clock/start', (_req, res) => {
    globalThis.Date = RealDate;
    res.status(200).json({ now: new RealDate().toISOString() });
  });
}

export function mountChatApi(server: DaprServer, chat: ChatUser): void {
  // The SDK's HTTP server is an Express app that already parses JSON bodies.
  const routes = server.daprServer.getServer() as Routes;
  stoppableClock(routes);

  routes.get('/', (_req, res) => res.status(200).json({ user: chat.user, rooms: chat.rooms }));

  routes.post('/send', async (req, res) => {
    const { room, text } = (req.body ?? {}) as { room?: unknown; text?: unknown };
    if (typeof room !== 'string' || typeof text !== 'string' || !room || !text) {
      return res.status(400).json({ error: 'send a JSON body { "room": "...", "text": "..." }' });
    }
    if (!chat.rooms.includes(room)) {
      return res.status(403).json({ error: `${chat.user} has not joined ${room} (rooms: ${chat.rooms.join(', ')})` });
    }
    try {
      res.status(201).json(await chat.send(room, text));
    } catch (error) {
      res.status(500).json({ error: String(error) });
    }
  });

  routes.get('/messages', (req, res) => {
    const room = req.query.room;
    if (typeof room !== 'string' || !room) return res.status(400).json({ error: 'ask for one room: /messages?room=general' });
    res.status(200).json(chat.messages(room));
  });
}
