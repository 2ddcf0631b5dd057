// One chat user. The same file runs once per user (see dapr.yaml): APP_ID says who it is (alice,
// bob, ...) and ROOMS which rooms it joins ("general,random"). You do not need to change this
// file: the pub/sub part is in chat.ts, what the user shows in inbox.ts.
import { DaprServer } from '@dapr/dapr';
import { holdDeliveries, mountChatApi } from './chat-api.js';
import { joinRooms, send } from './chat.js';
import { Inbox } from './inbox.js';

const user = process.env.APP_ID ?? 'anonymous';
const rooms = (process.env.ROOMS ?? '').split(',').map((room) => room.trim()).filter(Boolean);

const server = new DaprServer({
  serverHost: '127.0.0.1',
  serverPort: process.env.APP_PORT ?? '5001',
  clientOptions: { daprHost: '127.0.0.1', daprPort: process.env.DAPR_HTTP_PORT ?? '3501' },
});
const inbox = new Inbox();

// A failure input (see chat-api.ts): before joinRooms, so that it sees every delivery first.
holdDeliveries(server, process.env.HOLD_DELIVERIES === '1');
await joinRooms(server, rooms, inbox);
mountChatApi(server, {
  user,
  rooms,
  send: (room, text) => send(server.client, user, room, text),
  messages: (room) => inbox.list(room),
});
await server.start();
