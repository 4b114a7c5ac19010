import { createConnection } from 'node:net';

/** A decoded RESP2 reply; an error reply (`-ERR ...`) comes back as an `Error`, not a rejection. */
export type RedisReply = string | number | null | Error | RedisReply[];

/**
 * Sends one command to the Redis on `127.0.0.1:port` over a connection of its own and resolves
 * with the decoded reply. Rejects when the port refuses, the connection drops, or no reply comes
 * within `giveUpMs`. Control-plane use only (cluster health polling): no client library, so
 * nothing reconnects or queues behind the test's back.
 */
export function redisCommand(port: number, args: readonly string[], giveUpMs = 2000): Promise<RedisReply> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let buffer = Buffer.alloc(0);
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      outcome();
    };
    socket.setTimeout(giveUpMs, () =>
      settle(() => reject(new Error(`no reply from 127.0.0.1:${port} to ${args[0]} within ${giveUpMs} ms`))),
    );
    socket.on('connect', () => socket.write(encode(args)));
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      try {
        const parsed = parse(buffer, 0);
        if (parsed) settle(() => resolve(parsed.reply));
      } catch (error) {
        settle(() => reject(error));
      }
    });
    socket.on('error', (error) => settle(() => reject(error)));
    socket.on('close', () => settle(() => reject(new Error(`127.0.0.1:${port} closed the connection before replying to ${args[0]}`))));
  });
}

/** `redisCommand` for a command whose reply is text (a bulk or status string); error replies reject. */
export async function redisText(port: number, args: readonly string[], giveUpMs?: number): Promise<string> {
  const reply = await redisCommand(port, args, giveUpMs);
  if (reply instanceof Error) throw reply;
  if (typeof reply !== 'string') throw new Error(`expected text from ${args.join(' ')}, got ${JSON.stringify(reply)}`);
  return reply;
}

function encode(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
}

/** Decodes the reply starting at `offset`, or `undefined` while it has not fully arrived. */
function parse(buffer: Buffer, offset: number): { reply: RedisReply; next: number } | undefined {
  const lineEnd = buffer.indexOf('\r\n', offset);
  if (lineEnd === -1) return undefined;
  const type = String.fromCharCode(buffer[offset]);
  const line = buffer.toString('utf8', offset + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { reply: line, next };
    case '-':
      return { reply: new Error(line), next };
    case ':':
      return { reply: Number(line), next };
    case '$': {
      const length = Number(line);
      if (length === -1) return { reply: null, next };
      if (buffer.length < next + length + 2) return undefined;
      return { reply: buffer.toString('utf8', next, next + length), next: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count === -1) return { reply: null, next };
      const items: RedisReply[] = [];
      let cursor = next;
      for (let i = 0; i < count; i += 1) {
        const item = parse(buffer, cursor);
        if (!item) return undefined;
        items.push(item.reply);
        cursor = item.next;
      }
      return { reply: items, next: cursor };
    }
    default:
      throw new Error(`unexpected RESP reply type ${JSON.stringify(type)}`);
  }
}
