// Grades exercises/04-pubsub/chat: chat users (alice, bob, carol; dave later), one app-id and one
// sidecar each, rooms as topics. The check talks to the users' HTTP APIs, repeats a message through
// alice's sidecar the way a redelivery looks, reads the rooms' streams and consumer groups in Redis,
// and starts dave only after alice has talked in general.
import { describe, test } from 'vitest';
import { useExercise } from '../lib/exercise.js';
import { eventually, getJson, must, postJson } from '../lib/expect.js';
import { startLater } from '../lib/late-app.js';
import { describeSubscriptions } from '../lib/metadata.js';
import { useRedisStreams, type StreamEvent } from '../lib/redis-streams.js';
// The message contract, as the starter states it (a type only: nothing of the exercise is run here).
import type { ChatMessage } from '../../exercises/04-pubsub/chat/chat.js';

// dave is in dapr.yaml, but starts only when the check says so: he is the user who joins late.
const env = useExercise({ skipApps: ['dave'] });
const broker = useRedisStreams(env);

const BURST = 20;
/** Everything alice sent to general, in the order she sent it (her POST /send answers). */
const aliceToGeneral: ChatMessage[] = [];
let hello: ChatMessage | undefined;
let helloSentBetween: [number, number] = [0, 0];

let daveStarted: Promise<unknown> | undefined;
/** dave joins general now, after whatever was sent there so far; the first caller starts him. */
const daveJoins = () => (daveStarted ??= startLater(env(), 'dave'));

async function send(user: string, room: string, text: string): Promise<ChatMessage> {
  const answer = await postJson(`${env().app(user).appUrl}/send`, { room, text });
  must(answer.status === 201, `POST /send to ${user} with { room: "${room}", text: "${text}" } answered ${answer.status}: ${answer.text}`);
  return JSON.parse(answer.text) as ChatMessage;
}

function shown(user: string, room: string): Promise<ChatMessage[]> {
  return getJson<ChatMessage[]>(`${env().app(user).appUrl}/messages?room=${encodeURIComponent(room)}`);
}

/** The chat message id an event carries, whether it was published as an object or as a JSON string. */
function idOf(event: StreamEvent): string | undefined {
  let data = event.data;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      return undefined;
    }
  }
  const id = (data as { id?: unknown } | null | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
}

function entryOf(events: StreamEvent[], id: string): StreamEvent | undefined {
  return events.find((e) => idOf(e) === id);
}

async function subscribesTo(user: string, room: string, why: string): Promise<void> {
  const subscriptions = await env().subscriptions(user);
  must(
    subscriptions.some((s) => s.pubsubname === 'pubsub' && s.topic === room),
    `${user}'s sidecar subscribes to ${describeSubscriptions(subscriptions)}, not pubsub/${room}. ${why}`,
  );
}

async function handledEverything(user: string, room: string): Promise<void> {
  must(
    await broker().consumed(room, user),
    `${user}'s sidecar did not finish handing the ${room} stream to ${user} within 5 s: its consumer group ` +
      `still has unread or unacknowledged messages. Is the handler slow, or stuck?`,
  );
}

/** Where each of alice's messages (1 = the first she sent) appears in a user's list, first copies only. */
function sentPositions(list: ChatMessage[]): number[] {
  const ids = aliceToGeneral.map((m) => m.id);
  const firstCopies = list.filter((m, i) => list.findIndex((other) => other.id === m.id) === i);
  return firstCopies.map((m) => ids.indexOf(m.id) + 1).filter((position) => position > 0);
}

function inOrder(positions: number[]): boolean {
  return positions.every((p, i) => i === 0 || p > positions[i - 1]!);
}

describe('chat', () => {
  test('a message alice sends to general reaches bob, and not carol', async () => {
    const before = Date.now();
    hello = await send('alice', 'general', 'hello from alice');
    helloSentBetween = [before, Date.now()];
    aliceToGeneral.push(hello);

    await subscribesTo('bob', 'general', 'bob runs with ROOMS=general: subscribe to the topic of each room in ROOMS, before server.start().');
    const onGeneral = await broker().events('general');
    must(
      entryOf(onGeneral, hello.id),
      `alice's message (id ${hello.id}) is not on the \`general\` stream in Redis (${onGeneral.length} events there). ` +
        'send() must publish to the topic named after the room, on the component `pubsub`.',
    );
    await eventually(
      () => shown('bob', 'general'),
      (list) => list.some((m) => m.id === hello!.id),
      (last) =>
        `bob does not show alice's message in general: GET /messages?room=general on bob answered ${JSON.stringify(last ?? [])}. ` +
        'Does the handler of each room hand the message to inbox.receive?',
    );

    const carolSubscriptions = await env().subscriptions('carol');
    must(
      !carolSubscriptions.some((s) => s.topic === 'general'),
      `carol joined only random (ROOMS=random), but her sidecar subscribes to ${describeSubscriptions(carolSubscriptions)}. Subscribe to the rooms in ROOMS, no others.`,
    );
    must(
      !entryOf(await broker().events('random'), hello.id),
      'alice sent her message to general, but it is also on the `random` stream in Redis. Publish to the room the message is for, only.',
    );
    for (const room of ['general', 'random']) {
      must(!(await shown('carol', room)).some((m) => m.id === hello!.id), `carol shows alice's message to general in ${room}.`);
    }
  });

  test('every field of the message arrives as alice sent it', async () => {
    must(hello, 'alice could not send a message (see the first expectation), so there is nothing to compare.');
    const entry = entryOf(await broker().events('general'), hello.id);
    must(entry, `alice's message (id ${hello.id}) is not on the \`general\` stream in Redis.`);
    must(
      entry.event.datacontenttype === 'application/json' && typeof entry.data === 'object',
      `alice's message went to the broker as ${String(entry.event.datacontenttype)} (a ${typeof entry.data}). ` +
        'Publish the message object itself, not JSON.stringify(message), so subscribers receive an object.',
    );
    const received = (await shown('bob', 'general')).find((m) => m.id === hello!.id);
    must(received, 'bob does not show alice\'s message (see the first expectation).');
    const problems: string[] = [];
    const expect = (field: keyof ChatMessage, ok: boolean, should: string) => {
      if (!ok) problems.push(`\`${field}\` is ${JSON.stringify(received[field])}, it should be ${should}`);
    };
    expect('id', typeof received.id === 'string' && received.id.length > 0, 'a unique string');
    expect('sender', received.sender === 'alice', '"alice" (the app-id of the user who sent it, process.env.APP_ID)');
    expect('room', received.room === 'general', '"general"');
    expect('text', received.text === 'hello from alice', '"hello from alice" (the text posted to /send)');
    const sentAt = typeof received.sentAt === 'string' && /^\d{4}-\d\d-\d\dT/.test(received.sentAt) ? Date.parse(received.sentAt) : NaN;
    expect(
      'sentAt',
      sentAt >= helloSentBetween[0] - 1000 && sentAt <= helloSentBetween[1] + 1000,
      `the time alice sent it, as an ISO 8601 string (new Date().toISOString()), between ${new Date(helloSentBetween[0]).toISOString()} and ${new Date(helloSentBetween[1]).toISOString()}`,
    );
    expect('seq', received.seq === 1, '1 (it is the first message alice sent to general)');
    must(problems.length === 0, `In bob's copy of alice's message: ${problems.join('; ')}.`);
  });

  test('the same message delivered twice is shown once', async () => {
    must(hello, 'alice could not send a message (see the first expectation), so there is nothing to repeat.');
    must(
      (await shown('bob', 'general')).some((m) => m.id === hello!.id),
      'bob does not show alice\'s message in general (see the first expectation), so a second delivery cannot be compared.',
    );
    // The failure input: alice's message, published once more through alice's sidecar, exactly as
    // a broker redelivers a message it is not sure was handled (same id, same fields).
    await env().publish('alice', 'pubsub', 'general', hello);
    await handledEverything('bob', 'general');
    const copies = (await shown('bob', 'general')).filter((m) => m.id === hello!.id).length;
    must(
      copies === 1,
      `bob received alice's message twice (the check published it again, as a redelivery would) and shows it ${copies} times in general. ` +
        'Remember the ids already shown, and skip a message whose id you have seen.',
    );
  });

  test('messages from one sender to one room are shown in the order sent', async () => {
    must(hello, 'alice could not send a message (see the first expectation).');
    // The failure input: 20 messages from alice to general, each sent as soon as the one before
    // was answered. bob receives them as they come; dave joins general after them and receives
    // them all at once, from the stream.
    for (let i = 1; i <= BURST; i++) aliceToGeneral.push(await send('alice', 'general', `message ${i} of ${BURST}`));
    const ids = aliceToGeneral.map((m) => m.id);
    const reused = ids.find((id, i) => ids.indexOf(id) !== i);
    must(!reused, `alice gave two different messages the same id (${reused}). Every message needs its own id, e.g. crypto.randomUUID().`);
    const seqs = aliceToGeneral.map((m) => m.seq);
    must(
      seqs.every((seq, i) => seq === i + 1),
      `alice numbered her messages to general ${seqs.join(', ')}: seq should count 1, 2, 3, ... for each sender and room.`,
    );

    await handledEverything('bob', 'general');
    const bobSees = sentPositions(await shown('bob', 'general'));
    await daveJoins();
    await subscribesTo('dave', 'general', 'dave runs with ROOMS=general: subscribe to the topic of each room in ROOMS.');
    await handledEverything('dave', 'general');
    const daveSees = sentPositions(await shown('dave', 'general'));

    for (const [user, sees] of [['bob', bobSees], ['dave', daveSees]] as const) {
      must(sees.length === ids.length, `${user} shows ${sees.length} of the ${ids.length} messages alice sent to general.`);
    }
    must(
      inOrder(bobSees),
      `bob shows alice's messages to general in the order ${bobSees.join(', ')} (1 is the first she sent). ` +
        'The broker hands messages to several workers at once, so they can arrive in another order than sent.',
    );
    must(
      inOrder(daveSees),
      `dave, who joined general after alice had sent them, shows her messages in the order ${daveSees.join(', ')} (1 is the first she sent). ` +
        'His sidecar read them from the stream all at once, and the Redis component hands them to 10 workers in parallel. ' +
        'Show each sender\'s messages to a room in the order sent: by their `seq`, or by having the broker deliver one at a time.',
    );
  });

  test('a user who joins later is shown the messages already sent to the room, each once', async () => {
    must(aliceToGeneral.length > 0, 'alice could not send anything to general (see the first expectation), so there is no history to see.');
    await daveJoins();
    await subscribesTo('dave', 'general', 'dave runs with ROOMS=general: subscribe to the topic of each room in ROOMS.');
    await handledEverything('dave', 'general');

    // What the lesson says: on Redis, a new subscriber's consumer group is created at the start of
    // the stream (XGROUP CREATE general dave 0), so it reads every message already in it.
    const history = await broker().events('general');
    const group = (await broker().groups('general')).find((g) => g.name === 'dave');
    must(
      group && group.entriesRead === history.length,
      `dave's consumer group on the general stream read ${group?.entriesRead ?? 'no'} of its ${history.length} entries: a new group should start at the beginning of the stream.`,
    );
    const historyIds = [...new Set(history.map((e) => idOf(e) ?? e.entryId))];
    const daveShows = await shown('dave', 'general');
    const missing = historyIds.filter((id) => !daveShows.some((m) => m.id === id));
    const texts = missing.slice(0, 3).map((id) => `"${aliceToGeneral.find((m) => m.id === id)?.text ?? id}"`);
    must(
      missing.length === 0,
      `dave shows ${historyIds.length - missing.length} of the ${historyIds.length} messages that were in general before he joined. ` +
        `A user who joins later receives the room's history from the stream: every message in it should be shown. ` +
        `Missing: ${texts.join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''}.`,
    );
    const repeated = daveShows.filter((m, i) => daveShows.findIndex((other) => other.id === m.id) !== i);
    must(
      repeated.length === 0,
      `dave shows "${repeated[0]?.text}" (id ${repeated[0]?.id}) more than once. The stream holds it twice (sent, then delivered again), ` +
        'and a late user replays the stream: skip a message whose id you have already shown.',
    );
    const extra = daveShows.filter((m) => !historyIds.includes(m.id));
    must(extra.length === 0, `dave shows ${extra.length} message(s) in general that were never on the general stream: ${JSON.stringify(extra[0])}.`);
    const inRandom = await shown('dave', 'random');
    must(inRandom.length === 0, `dave joined only general, but shows ${inRandom.length} message(s) in random.`);
  });
});
