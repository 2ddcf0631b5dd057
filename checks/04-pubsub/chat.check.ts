// Grades exercises/04-pubsub/chat: chat users (alice, bob, carol; dave later), one app-id and one
// sidecar each, rooms as topics. The check talks to the users' HTTP APIs, holds a conversation of
// several senders in two rooms, repeats a message through alice's sidecar the way a redelivery
// looks, reads the rooms' streams and consumer groups in Redis, starts dave late with his
// deliveries held and lets them in newest first (the worst order parallel workers can produce),
// and last makes the run's Redis refuse a publish, then accept them again for the next message,
// which must be numbered after the refused one (its seq read from the failed publish at the gate).
// Seven of alice's messages are sent at once, in the same millisecond (her clock stopped, a switch of
// chat-api.ts), their publishes held at a gate before her sidecar until all are in flight
// (publish-gate.ts), and bob's deliveries of them held until they reach him, then let in newest first.
// Seven, not two: an inbox that breaks a tie of sentAt by the (random) id shows two of them in send
// order half the time, but seven only once in 5040 runs.
import { describe, test } from 'vitest';
import { refuseCommands } from '../lib/broker-faults.js';
import { useExercise } from '../lib/exercise.js';
import { eventually, failWithCause, getJson, must, postJson, requires } from '../lib/expect.js';
import { startLater } from '../lib/late-app.js';
import { describeSubscriptions } from '../lib/metadata.js';
import { publishGate } from '../lib/publish-gate.js';
import { useRedisStreams, type StreamEvent } from '../lib/redis-streams.js';
import { isJsonContentType } from '../lib/content-type.js';
// The message contract, as the starter states it (a type only: nothing of the exercise is run here).
import type { ChatMessage } from '../../exercises/04-pubsub/chat/chat.js';

// dave is in dapr.yaml, but starts only when the check says so: he is the user who joins late.
// alice's publishes pass a gate, which holds them when the check sends several of her messages at once.
const gate = publishGate('alice');
const env = useExercise({ skipApps: ['dave'], beforeStart: gate.install });
const broker = useRedisStreams(env);

const ROOMS = ['general', 'random'] as const;
type Room = (typeof ROOMS)[number];
const MEMBERS: Record<Room, string[]> = { general: ['alice', 'bob'], random: ['alice', 'carol'] };

/** The expectations later ones depend on, by name. */
const FIRST = 'a message alice sends to general reaches bob, and not carol';
const TWO_ROOMS = 'a user in two rooms is shown the messages of each';
const CONVERSATION = 'each sender numbers its messages to a room 1, 2, 3, ...';
const REFUSED = 'a message the broker refuses is not reported as sent';

/** Every message a POST /send answered 201 for, in the order sent. */
const sent: ChatMessage[] = [];
let hello: ChatMessage | undefined;
/** The first expectation passed: a message goes from one user to another. Later ones build on it. */
let delivering = false;
let helloSentBetween: [number, number] = [0, 0];

/** POST /send, which must answer 201; the message it answered with. */
async function post(user: string, room: string, text: string): Promise<ChatMessage> {
  const answer = await postJson(`${env().app(user).appUrl}/send`, { room, text });
  must(answer.status === 201, `POST /send to ${user} with { room: "${room}", text: "${text}" } answered ${answer.status}: ${answer.text}`);
  return JSON.parse(answer.text) as ChatMessage;
}

async function send(user: string, room: string, text: string): Promise<ChatMessage> {
  const message = await post(user, room, text);
  sent.push(message);
  return message;
}

/** alice's messages posted at once, by the conversation (their publishes in flight together), by seq. */
let together: ChatMessage[] = [];
/** How many messages alice posts at once, from as many tabs. */
const AT_ONCE = 7;

/**
 * Waits until `user` holds `expected` deliveries (POST /deliveries/hold, or HOLD_DELIVERIES), then
 * lets them into its handlers together, highest seq first. When fewer ever come, it lets in what it
 * holds after 5 s: the expectations then say what went wrong.
 */
async function releaseWhenHeld(user: string, expected: number): Promise<void> {
  const url = env().app(user).appUrl;
  await eventually(
    () => getJson<{ held: number }>(`${url}/deliveries/held`),
    (h) => h.held >= expected,
    () => '',
    5000,
    20,
  ).catch(() => undefined);
  await postJson(`${url}/deliveries/release`, {});
}

/**
 * alice's `texts` to general from several tabs at once, in the same millisecond (her clock stopped:
 * POST /clock/stop), while bob's deliveries are held; once as many have reached him as his sidecar
 * hands over at once, they are let in newest first.
 */
async function sendFromTabs(texts: string[]): Promise<void> {
  const alice = env().app('alice').appUrl;
  await broker().consumed('general', 'bob'); // nothing said before is still on its way to bob
  await postJson(`${env().app('bob').appUrl}/deliveries/hold`, {});
  await postJson(`${alice}/clock/stop`, {});
  try {
    await sendTogether('general', texts);
  } finally {
    await postJson(`${alice}/clock/start`, {});
    await releaseWhenHeld('bob', Math.min(workers(), texts.length));
  }
}

/**
 * Posts alice's `texts` to `room` all at once. Their publishes wait at the gate before her sidecar
 * until all are there, then go through one at a time in `seq` order, so that the stream holds them
 * in the order of their seq, which is the order they count as sent.
 */
async function sendTogether(room: string, texts: string[]): Promise<void> {
  const bySeq = (body: unknown) => Number((body as Partial<ChatMessage> | null)?.seq);
  const messages = await gate.together(texts.length, () => Promise.all(texts.map((text) => post('alice', room, text))), bySeq);
  together = [...messages].sort((a, b) => a.seq - b.seq);
  sent.push(...together);
}

function shown(user: string, room: string): Promise<ChatMessage[]> {
  return getJson<ChatMessage[]>(`${env().app(user).appUrl}/messages?room=${encodeURIComponent(room)}`);
}

/** The chat message an event carries, whether it was published as an object or as a JSON string. */
function messageOf(event: StreamEvent): Partial<ChatMessage> | undefined {
  let data = event.data;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      return undefined;
    }
  }
  return typeof data === 'object' && data !== null ? (data as Partial<ChatMessage>) : undefined;
}
const idOf = (event: StreamEvent) => (typeof messageOf(event)?.id === 'string' ? messageOf(event)!.id : undefined);
const entryOf = (events: StreamEvent[], id: string) => events.find((e) => idOf(e) === id);

/** The user's sidecar's subscriptions, and whether one is to `room`. */
async function subscriptionsOf(user: string, room: string): Promise<{ list: string; toRoom: boolean }> {
  const subscriptions = await env().subscriptions(user);
  return { list: describeSubscriptions(subscriptions), toRoom: subscriptions.some((s) => s.pubsubname === 'pubsub' && s.topic === room) };
}

async function subscribesTo(user: string, room: string, why: string): Promise<void> {
  const { list, toRoom } = await subscriptionsOf(user, room);
  must(toRoom, `${user}'s sidecar subscribes to ${list}, not pubsub/${room}. ${why}`);
}

/** Waits until the user's sidecar has handed over all of a room's stream; blocked when it does not subscribe to it. */
async function handledEverything(user: string, room: string): Promise<void> {
  const inTwoRooms = user === 'alice' || user === 'dave';
  requires(
    (await subscriptionsOf(user, room)).toRoom,
    inTwoRooms ? TWO_ROOMS : FIRST,
    `${user}'s sidecar does not subscribe to ${room}, so ${user} cannot show what was said there.`,
  );
  must(
    await broker().consumed(room, user),
    `${user}'s sidecar did not finish handing the ${room} stream to ${user} within 5 s: its consumer group ` +
      `still has unread or unacknowledged messages. Is the handler slow, or stuck?`,
  );
}

const describeMessage = (m: Partial<ChatMessage>) => `"${m.text}" (${m.sender}'s seq ${m.seq})`;

/** Diagnoses that explain a missing message in several expectations: each is reported once. */
const CAUSES = {
  text: 'the inbox takes two messages with the same text for one',
  seqAcrossSenders: "the inbox mixes up different senders' messages with the same seq",
  seqAcrossRooms: "the inbox mixes up one sender's messages to different rooms with the same seq",
  wrongTopic: 'messages are published to another topic than their room',
};

/**
 * Fails because `user` does not show `missing` in `room` (it shows `list`), naming the mistake that
 * usually causes it: a message published elsewhere, or an inbox that recognises messages by
 * something that is not unique to one message.
 */
async function missingFails(user: string, room: string, missing: ChatMessage[], list: ChatMessage[]): Promise<never> {
  const lost = missing[0]!;
  const more = missing.length > 1 ? ` (and ${missing.length - 1} more)` : '';
  const what = `${user === 'dave' ? 'dave, who joined late,' : user} does not show ${describeMessage(lost)}${more} in ${room}, though it was sent there`;
  if (!entryOf(await broker().events(room), lost.id)) {
    failWithCause(CAUSES.wrongTopic, `${what}: it is not on the \`${room}\` stream in Redis. Look at the topic send() publishes to.`);
  }
  const sameText = list.find((m) => m.id !== lost.id && m.text === lost.text);
  if (sameText) {
    failWithCause(CAUSES.text, `${what}: ${user} shows another message with the same text, ${describeMessage(sameText)}. Two different messages were taken for one: look at what the inbox recognises a message by.`);
  }
  const sameSeq = list.find((m) => m.id !== lost.id && m.seq === lost.seq && m.sender !== lost.sender);
  if (sameSeq) {
    failWithCause(CAUSES.seqAcrossSenders, `${what}: ${user} shows ${describeMessage(sameSeq)}, another sender's message with the same seq. Each sender counts its own seq: look at what the inbox keys what it has seen, or what it waits for, by.`);
  }
  const elsewhere = sent.find((m) => m.id !== lost.id && m.seq === lost.seq && m.sender === lost.sender && m.room !== room);
  if (elsewhere) {
    failWithCause(CAUSES.seqAcrossRooms, `${what}: ${lost.sender} also sent a seq ${lost.seq} to ${elsewhere.room}. Each room has its own seq: look at what the inbox keys what it has seen, or what it waits for, by.`);
  }
  must(false, `${what}: it is on the \`${room}\` stream in Redis, and ${user}'s sidecar handed that whole stream over.`);
}

/** The messages `sender` sent to `room`, in the order sent. */
const sentBy = (sender: string, room: string) => sent.filter((m) => m.sender === sender && m.room === room);

/** Where each of a sender's messages appears in a user's list (1 = the first the sender sent), first copies only. */
function positions(list: ChatMessage[], sender: string, room: string): number[] {
  const ids = sentBy(sender, room).map((m) => m.id);
  const firstCopies = list.filter((m, i) => list.findIndex((other) => other.id === m.id) === i);
  return firstCopies.map((m) => ids.indexOf(m.id) + 1).filter((position) => position > 0);
}
const inOrder = (ps: number[]) => ps.every((p, i) => i === 0 || p > ps[i - 1]!);

/** When `order` (of `sender`'s messages to `room`, as `user` shows them) has alice's messages sent at once out of order: what happened to them. */
function atOnceNote(user: string, room: string, sender: string, order: number[]): string {
  if (sender !== 'alice' || room !== 'general' || together.length < 2) return '';
  const ids = sentBy(sender, room).map((m) => m.id);
  // The last ones alice sent to general, so numbered one after another.
  const atOnce = together.map((m) => ids.indexOf(m.id) + 1);
  if (inOrder(order.filter((p) => atOnce.includes(p)))) return '';
  const held = user === 'bob' ? '; the check held bob\'s deliveries of them until they had reached him, then let them in newest first' : '';
  return ` ${atOnce[0]} to ${atOnce.at(-1)} are the ${together.length} alice sent at once, all at ${together[0]!.sentAt} (the check had stopped her clock)${held}.`;
}

/**
 * The conversation (sent once, by the first expectation that needs it): alice and bob talk in
 * general, alice and carol in random, interleaved, each message sent as soon as the one before
 * was answered; some messages repeat a text ("ok"), as people do; halfway, the check publishes
 * alice's first message once more, a redelivery long after the first copy. Last, alice sends
 * AT_ONCE messages to general at once, in the same millisecond, as a user with several tabs open can.
 */
let talking: Promise<void> | undefined;
/** The conversation published alice's first message once more, halfway through. */
let lateRedelivery = false;
/** Why a user may show `message` twice: said when it is the message the check delivered again. */
const redeliveredNote = (message: ChatMessage) =>
  message.id === hello?.id
    ? ` The check delivered it again ${lateRedelivery ? 'right after it was first sent, and once more halfway through the conversation, after other messages' : 'right after it was first sent'}: ` +
      'a redelivery can come at any time, so the inbox must remember every id it has shown, not only the last one.'
    : '';
function conversation(): Promise<void> {
  talking ??= (async () => {
    for (let i = 1; i <= 5; i++) {
      await send('alice', 'general', `alice to general, ${i} of 5`);
      await send('bob', 'general', `bob to general, ${i} of 5`);
      await send('alice', 'random', `alice to random, ${i} of 5`);
      await send('carol', 'random', `carol to random, ${i} of 5`);
      if (i === 2 || i === 4) await send('alice', 'general', 'ok');
      if (i === 3) await send('bob', 'general', 'ok');
      // A redelivery that comes late, after other messages (the first one came right after it).
      if (i === 3 && hello) {
        await env().publish('alice', 'pubsub', 'general', hello);
        lateRedelivery = true;
      }
    }
    await sendFromTabs(Array.from({ length: AT_ONCE }, (_, i) => `alice to general, at once, from tab ${i + 1} of ${AT_ONCE}`));
  })();
  return talking;
}

/** How many workers the `pubsub` component hands messages over with (`concurrency`, 10 unless set). */
function workers(): number {
  for (const { doc } of env().resources) {
    const spec = doc.spec as { type?: unknown; metadata?: { name?: unknown; value?: unknown }[] } | undefined;
    if (doc.kind !== 'Component' || (doc.metadata as { name?: unknown } | undefined)?.name !== 'pubsub') continue;
    const value = Number(spec?.metadata?.find((m) => m.name === 'concurrency')?.value);
    return Number.isInteger(value) && value > 0 ? value : 10;
  }
  return 10;
}

/** dave joins general and random now, after everything said so far, his deliveries held (see the task). */
let daveJoined: Promise<void> | undefined;
function daveJoins(): Promise<void> {
  daveJoined ??= (async () => {
    await startLater(env(), 'dave', { HOLD_DELIVERIES: '1' });
    for (const room of ROOMS) {
      const { list, toRoom } = await subscriptionsOf('dave', room);
      requires(toRoom, TWO_ROOMS, `dave (ROOMS=general,random) subscribes to ${list}, not to ${room}, so he cannot replay it.`);
    }
    // His sidecar hands over as many messages at once as the component has workers: wait until
    // that many are held.
    const history = (await Promise.all(ROOMS.map((room) => broker().events(room)))).flat().length;
    await releaseWhenHeld('dave', Math.min(workers(), history));
    for (const room of ROOMS) await handledEverything('dave', room);
  })();
  return daveJoined;
}

interface Refusal {
  /** POST /send's answer. */
  status: number;
  text: string;
  /** The seq of the message alice's app handed her sidecar to publish (seen at the gate), if it did. */
  seq: number | undefined;
}

/**
 * alice's message to general while the run's Redis refuses XADD (an ACL: the failure input), so her
 * sidecar's publish fails; made once, by the first expectation that needs it. Redis accepts
 * publishes again before it resolves. Its POST /send's answer, and the seq of the publish that failed.
 */
let refusal: Promise<Refusal> | undefined;
function refusedSend(): Promise<Refusal> {
  refusal ??= (async () => {
    const restore = await refuseCommands(env(), ['xadd']);
    try {
      const from = gate.publishes().length;
      const answer = await postJson(`${env().app('alice').appUrl}/send`, { room: 'general', text: 'this one is refused' });
      const refused = gate.publishes().slice(from).find((p) => p.status >= 400 && p.path.split('?')[0]!.endsWith('/general'));
      const seq = Number((refused?.body as Partial<ChatMessage> | null | undefined)?.seq);
      return { ...answer, seq: Number.isInteger(seq) ? seq : undefined };
    } finally {
      await restore();
    }
  })();
  return refusal;
}

describe('chat', () => {
  test(FIRST, async () => {
    const before = Date.now();
    delivering = false;
    hello = await send('alice', 'general', 'hello from alice');
    helloSentBetween = [before, Date.now()];

    await subscribesTo('bob', 'general', 'bob runs with ROOMS=general.');
    const onGeneral = await broker().events('general');
    const entry = entryOf(onGeneral, hello.id);
    must(
      entry,
      `alice's message (id ${hello.id}) is not on the \`general\` stream in Redis (${onGeneral.length} events there).`,
    );
    must(
      typeof entry.data === 'object',
      `alice's message went to the broker as ${String(entry.event.datacontenttype)} (a ${typeof entry.data}), not as a JSON object, ` +
        'so subscribers receive a string, not a ChatMessage.',
    );
    await eventually(
      () => shown('bob', 'general'),
      (list) => list.some((m) => m.id === hello!.id),
      (last) =>
        `bob does not show alice's message in general: GET /messages?room=general on bob answered ${JSON.stringify(last ?? [])}, ` +
        "though the message is on the `general` stream and bob's sidecar subscribes to general.",
    );

    const carolSubscriptions = await env().subscriptions('carol');
    must(
      !carolSubscriptions.some((s) => s.topic === 'general'),
      `carol joined only random (ROOMS=random), but her sidecar subscribes to ${describeSubscriptions(carolSubscriptions)}.`,
    );
    must(
      !entryOf(await broker().events('random'), hello.id),
      'alice sent her message to general, but it is also on the `random` stream in Redis.',
    );
    for (const room of ROOMS) {
      must(!(await shown('carol', room)).some((m) => m.id === hello!.id), `carol shows alice's message to general in ${room}.`);
    }
    delivering = true;
  });

  test('every field of the message arrives as alice sent it', async () => {
    requires(hello, FIRST, 'alice could not send a message, so there is nothing to compare.');
    const entry = entryOf(await broker().events('general'), hello.id);
    requires(entry, FIRST, `alice's message (id ${hello.id}) is not on the \`general\` stream in Redis.`);
    must(
      isJsonContentType(entry.event.datacontenttype) && typeof entry.data === 'object',
      `alice's message went to the broker as ${String(entry.event.datacontenttype)} (a ${typeof entry.data}), not as a JSON object.`,
    );
    const received = (await shown('bob', 'general')).find((m) => m.id === hello!.id);
    requires(received, FIRST, "bob does not show alice's message.");
    const problems: string[] = [];
    const expect = (field: keyof ChatMessage, ok: boolean, should: string) => {
      if (!ok) problems.push(`\`${field}\` is ${JSON.stringify(received[field])}, it should be ${should}`);
    };
    expect('id', typeof received.id === 'string' && received.id.length > 0, 'a unique string');
    expect('sender', received.sender === 'alice', '"alice" (the app-id of the user who sent it)');
    expect('room', received.room === 'general', '"general"');
    expect('text', received.text === 'hello from alice', '"hello from alice" (the text posted to /send)');
    const sentAt = typeof received.sentAt === 'string' && /^\d{4}-\d\d-\d\dT/.test(received.sentAt) ? Date.parse(received.sentAt) : NaN;
    expect(
      'sentAt',
      sentAt >= helloSentBetween[0] - 1000 && sentAt <= helloSentBetween[1] + 1000,
      `the time alice sent it, as an ISO 8601 string, between ${new Date(helloSentBetween[0]).toISOString()} and ${new Date(helloSentBetween[1]).toISOString()}`,
    );
    expect('seq', received.seq === 1, '1 (it is the first message alice sent to general)');
    must(problems.length === 0, `In bob's copy of alice's message: ${problems.join('; ')}.`);
  });

  test('a user in two rooms is shown the messages of each', async () => {
    requires(delivering, FIRST, "alice's message did not reach bob as it should.");
    const fromCarol = await send('carol', 'random', 'hello from carol');
    must(
      entryOf(await broker().events('random'), fromCarol.id),
      `carol's message to random (id ${fromCarol.id}) is not on the \`random\` stream in Redis.`,
    );
    await subscribesTo('alice', 'random', 'alice runs with ROOMS=general,random.');
    await eventually(
      () => shown('alice', 'random'),
      (list) => list.some((m) => m.id === fromCarol.id),
      (last) => `alice (in general and random) does not show carol's message in random: she shows ${JSON.stringify(last ?? [])}, though her sidecar subscribes to random.`,
    );
    must(
      !(await shown('alice', 'general')).some((m) => m.id === fromCarol.id),
      "alice shows carol's message to random in general too.",
    );
  });

  test('the same message delivered twice is shown once', async () => {
    requires(delivering && hello, FIRST, "alice's message did not reach bob as it should, so a second delivery cannot be compared.");
    // The failure input: alice's message, published once more through alice's sidecar, exactly as
    // a broker redelivers a message it is not sure was handled (same id, same fields).
    await env().publish('alice', 'pubsub', 'general', hello);
    await handledEverything('bob', 'general');
    const copies = (await shown('bob', 'general')).filter((m) => m.id === hello!.id).length;
    must(
      copies === 1,
      `bob received alice's message twice (the check published it again, as a redelivery would) and shows it ${copies} times in general.`,
    );
  });

  test(CONVERSATION, async () => {
    requires(hello, FIRST, 'alice could not send a message.');
    await conversation();
    const shared = together.find((m, i) => i > 0 && together[i - 1]!.seq === m.seq);
    must(
      !shared,
      `The check posted ${together.length} messages to alice for general at the same time, and more than one was numbered ${shared?.seq} (POST /send's answers; ` +
        "the check held their publishes until all were on their way to alice's sidecar, so all the sends were under way at once).",
    );
    for (const room of ROOMS) {
      for (const sender of MEMBERS[room]) {
        const seqs = sentBy(sender, room).map((m) => m.seq);
        must(
          seqs.every((seq, i) => seq === i + 1),
          `The messages ${sender} sent to ${room} are numbered ${seqs.join(', ')} (POST /send's answers). ` +
            'seq counts 1, 2, 3, ... for each sender and each room on its own.',
        );
      }
    }
  });

  test('every message sent to a room is shown to its members, each once', async () => {
    requires(delivering, FIRST, "alice's message did not reach bob as it should.");
    await conversation();
    const ids = sent.map((m) => m.id);
    const reused = sent.find((m, i) => ids.indexOf(m.id) !== i);
    if (reused) {
      const other = sent[ids.indexOf(reused.id)]!;
      const when = reused.sentAt === other.sentAt ? `, both sent at ${reused.sentAt}` : '';
      must(false, `Two different messages got the same id (${reused.id}): ${describeMessage(other)} and ${describeMessage(reused)} (POST /send's answers${when}).`);
    }
    for (const room of ROOMS) {
      for (const user of MEMBERS[room]) {
        await handledEverything(user, room);
        const list = await shown(user, room);
        const missing = sent.filter((m) => m.room === room && !list.some((s) => s.id === m.id));
        if (missing.length > 0) await missingFails(user, room, missing, list);
        const twice = list.find((m, i) => list.findIndex((o) => o.id === m.id) !== i);
        if (twice) must(false, `${user} shows ${describeMessage(twice)} more than once in ${room}.${redeliveredNote(twice)}`, { about: [twice.id] });
      }
    }
  });

  test('messages from one sender to one room are shown in the order sent', async () => {
    requires(delivering, FIRST, "alice's message did not reach bob as it should.");
    await conversation();
    for (const room of ROOMS) {
      for (const user of MEMBERS[room]) {
        await handledEverything(user, room);
        const list = await shown(user, room);
        for (const sender of MEMBERS[room]) {
          const order = positions(list, sender, room);
          must(
            inOrder(order),
            `${user} shows ${sender}'s messages to ${room} in the order ${order.join(', ')} (1 is the first ${sender} sent).` +
              atOnceNote(user, room, sender, order),
          );
        }
      }
    }
    await daveJoins();
    for (const room of ROOMS) {
      const list = await shown('dave', room);
      for (const sender of MEMBERS[room]) {
        const order = positions(list, sender, room);
        const missing = sentBy(sender, room).filter((m) => !list.some((s) => s.id === m.id));
        if (missing.length > 0) await missingFails('dave', room, missing, list);
        must(
          inOrder(order),
          `dave, who joined after the conversation, shows ${sender}'s messages to ${room} in the order ${order.join(', ')} (1 is the first ${sender} sent). ` +
            'His sidecar read the whole history at once and handed it to its workers; the check held those deliveries and let them in newest first, as HOLD_DELIVERIES does.',
        );
      }
    }
  });

  test('a user who joins later is shown the messages already sent to the room, each once', async () => {
    requires(delivering, FIRST, "alice's message did not reach bob as it should.");
    await daveJoins();
    for (const room of ROOMS) {
      // What the lesson says: on Redis, a new subscriber's consumer group is created at the start
      // of the stream (XGROUP CREATE <room> dave 0), so it reads every message already in it.
      const history = await broker().events(room);
      requires(history.length > 0, TWO_ROOMS, `Nothing was ever published on the ${room} stream, so there is no history to replay.`);
      const group = (await broker().groups(room)).find((g) => g.name === 'dave');
      must(
        group && group.entriesRead === history.length,
        `dave's consumer group on the ${room} stream read ${group?.entriesRead ?? 'no'} of its ${history.length} entries: a new group should start at the beginning of the stream.`,
      );
      const historyIds = [...new Set(history.map((e) => idOf(e) ?? e.entryId))];
      const daveShows = await shown('dave', room);
      const missing = sent.filter((m) => m.room === room && historyIds.includes(m.id) && !daveShows.some((s) => s.id === m.id));
      if (missing.length > 0) await missingFails('dave', room, missing, daveShows);
      const repeated = daveShows.find((m, i) => daveShows.findIndex((other) => other.id === m.id) !== i);
      if (repeated) must(
        false,
        `dave shows ${describeMessage(repeated)} more than once in ${room}, after replaying the ${room} stream from its start.${redeliveredNote(repeated)}`,
        { about: [repeated.id] },
      );
      const extra = daveShows.filter((m) => !historyIds.includes(m.id));
      must(extra.length === 0, `dave shows ${extra.length} message(s) in ${room} that were never on the ${room} stream: ${JSON.stringify(extra[0])}.`);
    }
  });

  test(REFUSED, async () => {
    requires(hello, FIRST, 'alice could not send a message, so a refused one cannot be told apart.');
    const answer = await refusedSend();
    must(
      answer.status >= 400,
      `While Redis refused every publish, alice's POST /send answered ${answer.status} (${answer.text}), as if the message had been sent.`,
    );
  });

  test('the message alice sends after a refused one is shown to the members of the room', async () => {
    requires(delivering, FIRST, "alice's message did not reach bob as it should.");
    const refused = await refusedSend();
    const before = sentBy('alice', 'general').at(-1);
    const next = await send('alice', 'general', 'sent after the refused one');
    const refusedSeq = refused.seq === undefined ? '' : ` (seq ${refused.seq}, as alice's app handed it to her sidecar)`;
    const what =
      `alice sent ${describeMessage(next)} to general once Redis accepted publishes again. Her message to general before it${refusedSeq} was ` +
      `refused by Redis (her POST /send answered ${refused.status}), and the one before that is ${before ? describeMessage(before) : 'none'}`;
    // The refused message used up its seq (the task): the next one gets the number after it. Known
    // from the failed publish itself; if alice's app made none, it is the one after `before`.
    const usedUp = refused.seq ?? (before ? before.seq + 1 : undefined);
    must(
      usedUp === undefined || next.seq === usedUp + 1,
      `${what}. It is numbered ${next.seq}${next.seq === usedUp ? ", the refused message's number again" : ''}, not ${usedUp! + 1}: ` +
        "a refused message's seq is used up (it never arrives anywhere), and the next one to the room is numbered after it.",
    );
    must(entryOf(await broker().events('general'), next.id), `${what}, but it is not on the \`general\` stream in Redis.`);
    for (const user of MEMBERS.general) {
      await handledEverything(user, 'general');
      must(
        (await shown(user, 'general')).some((m) => m.id === next.id),
        `${what}. ${user} does not show it, though it is on the \`general\` stream and ${user}'s sidecar handed that whole stream over.`,
      );
    }
  });
});
