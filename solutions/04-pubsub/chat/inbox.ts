// What one user shows in each room. joinRooms (chat.ts) hands it every message the sidecar delivers;
// GET /messages?room=... answers with list(room), in the order the user should see them.
import type { ChatMessage } from './chat.js';

export class Inbox {
  private readonly rooms = new Map<string, ChatMessage[]>();
  private readonly seen = new Set<string>();

  receive(message: ChatMessage): void {
    // At-least-once delivery: a message seen before (same id) is a redelivery, not a new message.
    if (this.seen.has(message.id)) return;
    this.seen.add(message.id);
    // Order: resources/pubsub.yaml sets `concurrency: "1"`, so the sidecar hands messages over one
    // at a time, in the order they are on the room's stream, which is the order they were sent.
    const shown = this.rooms.get(message.room) ?? [];
    shown.push(message);
    this.rooms.set(message.room, shown);
  }

  list(room: string): ChatMessage[] {
    return this.rooms.get(room) ?? [];
  }
}
