// RabbitMQ for checks that swap the broker. The harness starts only Redis; RabbitMQ is the
// machine's own server on localhost:5672 (guest/guest), shared by every run, so a check gives its
// run topics of its own. Call `useRabbitMQ()` before `useExercise()`: when no RabbitMQ answers,
// the check stops with an EnvironmentError that says what to start, before any sidecar fails to
// load its component.
import net from 'node:net';
import amqp from 'amqplib';
import { beforeAll } from 'vitest';
import { EnvironmentError } from '../../src/harness/check-api.js';

export const RABBITMQ_HOST = '127.0.0.1';
export const RABBITMQ_PORT = 5672;

/**
 * True when an AMQP 0-9-1 server answers on host:port: it replies to the protocol header with a
 * Connection.Start method frame (frame type 1). Something else listening there does not count.
 */
export function rabbitMQAnswers(host = RABBITMQ_HOST, port = RABBITMQ_PORT, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write(Buffer.from('AMQP\x00\x00\x09\x01', 'latin1')));
    socket.once('data', (chunk: Buffer) => done(chunk[0] === 1));
  });
}

/** Registers a beforeAll that fails the check as an environment problem when RabbitMQ is not there. */
export function useRabbitMQ(port = RABBITMQ_PORT): void {
  beforeAll(async () => {
    if (await rabbitMQAnswers(RABBITMQ_HOST, port)) return;
    throw new EnvironmentError(
      `This exercise needs RabbitMQ on localhost:${port} (user guest, password guest), and nothing answers AMQP there. ` +
        'Start one: `sudo apt install rabbitmq-server` (Debian/Ubuntu, runs as a service), `brew services start rabbitmq` (macOS), ' +
        `or \`docker run -d -p ${port}:5672 rabbitmq:3\`. Then check again.`,
    );
  });
}

/** A queue as the broker reports it to a passive declare. */
export interface QueueState {
  messages: number;
  consumers: number;
}

/**
 * Asks the broker about each queue by name (user guest, vhost `/`), with a passive declare
 * (amqplib's checkQueue): it creates nothing and changes nothing. Gives each name's message and
 * consumer counts, or undefined when the broker has no such queue (it answers 404 NOT_FOUND and
 * closes that channel, so each name gets a channel of its own).
 */
export async function queueStates(
  names: string[],
  { host = RABBITMQ_HOST, port = RABBITMQ_PORT, user = 'guest', password = 'guest', timeoutMs = 5000 } = {},
): Promise<Map<string, QueueState | undefined>> {
  const connection = await amqp.connect({ hostname: host, port, username: user, password, vhost: '/' }, { timeout: timeoutMs });
  connection.on('error', () => {}); // a failure shows as the rejected call below
  try {
    const states = new Map<string, QueueState | undefined>();
    for (const name of names) {
      const channel = await connection.createChannel();
      channel.on('error', () => {}); // the 404 closes the channel: expected, and answered below
      try {
        const { messageCount, consumerCount } = await channel.checkQueue(name);
        states.set(name, { messages: messageCount, consumers: consumerCount });
        await channel.close();
      } catch (error) {
        if ((error as { code?: number }).code !== 404) throw error;
        states.set(name, undefined);
      }
    }
    return states;
  } finally {
    await connection.close().catch(() => {});
  }
}
