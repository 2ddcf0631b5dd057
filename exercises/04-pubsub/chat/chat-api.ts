// The HTTP API of one chat user, mounted on the DaprServer's own web server (the same port daprd
// delivers messages to). You do not need to change this file.
//
//   GET  /                      -> { user, rooms }
//   POST /send { room, text }   -> 201 with the message that was published
//   GET  /messages?room=general -> the messages this user shows for the room, in display order
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
interface Response {
  status(code: number): Response;
  json(body: unknown): void;
}
type Handler = (req: Request, res: Response) => void | Promise<void>;
interface Routes {
  get(path: string, handler: Handler): void;
  post(path: string, handler: Handler): void;
}

export function mountChatApi(server: DaprServer, chat: ChatUser): void {
  // The SDK's HTTP server is an Express app that already parses JSON bodies.
  const routes = server.daprServer.getServer() as Routes;

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
