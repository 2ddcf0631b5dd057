// What one user shows in each room. joinRooms (chat.ts) hands it every message the sidecar delivers;
// GET /messages?room=... answers with list(room), in the order the user should see them.
import type { ChatMessage } from './chat.js';

export class Inbox {
  private readonly rooms = new Map<string, ChatMessage[]>();

  receive(message: ChatMessage): void {
    // TODO: delivery is at-least-once: the same message (same id) can arrive twice. Show it once.
    // TODO: the messages one sender sends to a room must be shown in the order they were sent,
    // but the broker does not promise to deliver them in that order (see the task).
    const shown = this.rooms.get(message.room) ?? [];
    shown.push(message);
    this.rooms.set(message.room, shown);
  }

  list(room: string): ChatMessage[] {
    return this.rooms.get(room) ?? [];
  }
}
