// The pub/sub part of one chat user: joining rooms and sending messages. Each room is a topic of
// the `pubsub` component; chat-user.ts calls these two functions.
import type { DaprClient, DaprServer } from '@dapr/dapr';
import { randomUUID } from 'node:crypto';
import type { Inbox } from './inbox.js';

/** One chat message: the data of the CloudEvent on the room's topic, and an entry of GET /messages. */
export interface ChatMessage {
  /** Unique per message; the same message delivered twice carries the same id. */
  id: string;
  /** The user (app-id) who sent it. */
  sender: string;
  /** The room it was sent to. */
  room: string;
  text: string;
  /** When the sender sent it, as an ISO 8601 time (`new Date().toISOString()`). */
  sentAt: string;
  /** 1, 2, 3, ... for the messages one sender sends to one room. */
  seq: number;
}

/**
 * Joins the rooms. Called before server.start(): daprd asks the app for its subscriptions once,
 * when it first finds it, so a room joined later would never be delivered.
 */
export async function joinRooms(server: DaprServer, rooms: string[], inbox: Inbox): Promise<void> {
  for (const room of rooms) {
    await server.pubsub.subscribe('pubsub', room, async (message: ChatMessage) => {
      inbox.receive(message);
    });
  }
}

/** How many messages this user has sent to each room: the last seq used. */
const sent = new Map<string, number>();

/** Publishes `user`'s message to `room` and returns the message it published. */
export async function send(client: DaprClient, user: string, room: string, text: string): Promise<ChatMessage> {
  const seq = (sent.get(room) ?? 0) + 1;
  sent.set(room, seq);
  const message: ChatMessage = { id: randomUUID(), sender: user, room, text, sentAt: new Date().toISOString(), seq };
  const result = await client.pubsub.publish('pubsub', room, message);
  if (result.error) throw result.error;
  return message;
}
