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
  // TODO: for each room, subscribe to the topic of that name on the pubsub component `pubsub`,
  // and hand every message that arrives to `inbox.receive(message)`.
  void server;
  void rooms;
  void inbox;
}

/** Publishes `user`'s message to `room` and returns the message it published. */
export async function send(client: DaprClient, user: string, room: string, text: string): Promise<ChatMessage> {
  // TODO: build the message, with every field of ChatMessage (a unique id, e.g. randomUUID(); the
  // sender; the room; the text; the time it is sent; its seq), and publish it, as an object, to
  // the topic `room` of `pubsub`. Over HTTP a failed publish is returned as `{ error }`, not
  // thrown: throw it, so POST /send answers 500. Then return the message.
  void client;
  void randomUUID;
  throw new Error(`TODO: ${user} cannot send "${text}" to ${room} yet: publishing is not written (chat.ts).`);
}
