import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';

/** How a cut link behaves: bytes vanish with the connection kept (a partition), or connections are reset. */
export type CutMode = 'blackhole' | 'reset';

/** A TCP proxy on a free loopback port in front of one target port, whose link a test can cut. */
export interface TcpProxy {
  readonly port: number;
  /** `redis://` URL of the proxy, for a Redis behind it. */
  readonly url: string;
  /** Connections accepted since the proxy started. */
  readonly accepted: number;
  /**
   * Cuts the link: `'blackhole'` (default) freezes every connection, old and new, like a network
   * partition (nothing is refused, nothing arrives; what was sent is delivered on `restore`);
   * `'reset'` closes every connection and closes new ones as soon as they are accepted.
   */
  cut(mode?: CutMode): void;
  /** Lets bytes through again (frozen connections resume where they stopped). */
  restore(): void;
  /** Closes the proxy and every connection through it. */
  close(): Promise<void>;
}

interface Link {
  readonly client: Socket;
  upstream?: Socket;
}

/** Starts a proxy to `127.0.0.1:<targetPort>`. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let mode: 'open' | CutMode = 'open';
  let accepted = 0;
  const links = new Set<Link>();

  const connectUpstream = (link: Link): void => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    link.upstream = upstream;
    upstream.on('error', () => link.client.destroy());
    upstream.on('close', () => link.client.destroy());
    upstream.on('data', (chunk) => link.client.write(chunk));
    link.client.on('data', (chunk) => upstream.write(chunk));
    link.client.resume();
  };

  const server = createServer({ pauseOnConnect: true }, (client) => {
    accepted += 1;
    const link: Link = { client };
    client.on('error', () => undefined);
    client.on('close', () => {
      link.upstream?.destroy();
      links.delete(link);
    });
    if (mode === 'reset') {
      client.destroy();
      return;
    }
    links.add(link);
    // A frozen link connects upstream only once restored, so the target sees nothing meanwhile.
    if (mode === 'open') connectUpstream(link);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get accepted() {
      return accepted;
    },
    cut(cutMode: CutMode = 'blackhole') {
      mode = cutMode;
      for (const link of links) {
        if (cutMode === 'reset') {
          link.client.destroy();
          link.upstream?.destroy();
        } else {
          link.client.pause();
          link.upstream?.pause();
        }
      }
    },
    restore() {
      mode = 'open';
      for (const link of links) {
        if (link.upstream === undefined) {
          connectUpstream(link);
        } else {
          link.client.resume();
          link.upstream.resume();
        }
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const link of links) {
          link.client.destroy();
          link.upstream?.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
