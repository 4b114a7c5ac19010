import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pollUntil } from './pollUntil';
import { redisCommand, redisText } from './redisCommand';
import { BINARY, freePort, spawnServer, terminate } from './redisServer';

/** Where Debian's redis-tools package (a dependency of redis-server) puts the CLI. */
export const CLI = '/usr/bin/redis-cli';
const SLOTS = 16384;

/** Options of {@link startRedisCluster}. */
export interface RedisClusterOptions {
  /** @default 3 (the fewest `redis-cli --cluster create` accepts) */
  masters?: number;
  /** @default 0 */
  replicasPerMaster?: number;
  /**
   * `cluster-node-timeout`. A master unreachable this long is flagged PFAIL, then FAIL once a
   * majority agree (measured: ~1.4 s at 1000, ~2.9 s at 2000); its replica is promoted about a
   * second after that. With no replica, a restarted master's FAIL flag is cleared 2 timeouts
   * after it was set, and a restarted master always waits 2 s (Redis's fixed writable delay)
   * before it serves. So recovery costs a few timeouts: 1000 ms brings kill → healthy to ~3.6 s
   * (7.2 s at 2000) yet is still 10 gossip intervals (Redis pings every 100 ms), so a node
   * briefly starved of CPU on a busy machine is not failed spuriously; 500 ms saves only ~0.7 s.
   * Figures: `bench/cluster.ts`.
   * @default 1000
   */
  nodeTimeoutMs?: number;
  /**
   * Give-up deadline for starting and for each `waitUntilHealthy`, in milliseconds.
   * @default 30000
   */
  giveUpMs?: number;
}

/** One redis-server of a {@link RedisCluster}. */
export interface RedisClusterNode {
  readonly port: number;
  /** The cluster bus port (`cluster-port`), picked free like `port`. */
  readonly busPort: number;
  /** Pid of the current process (changes after `restart`); -1 while killed. */
  readonly pid: number;
  readonly url: string;
  /** Whether the helper has the node's process running (false between `kill` and `restart`). */
  readonly running: boolean;
}

/** A Redis Cluster this test run started on free loopback ports. */
export interface RedisCluster {
  /** Masters first, in `redis-cli --cluster create` order; roles swap after a failover. */
  readonly nodes: readonly RedisClusterNode[];
  /** For node-redis: `createCluster({ rootNodes: cluster.rootNodes })`. */
  readonly rootNodes: ReadonlyArray<{ url: string }>;
  readonly nodeTimeoutMs: number;
  /** Milliseconds from the first spawn to every node reporting a healthy cluster. */
  readonly startedInMs: number;
  /** Stops every node (SIGTERM, waits for exit) and removes the data directories. */
  stop(): Promise<void>;
  /** Kills one node abruptly (SIGKILL, waits for exit); its nodes.conf stays for `restart`. */
  kill(nodeIndex: number): Promise<void>;
  /**
   * Starts one node again on the same ports with the same nodes.conf (stopping it first if it
   * runs), so it rejoins with its identity and, if nobody took them over, its slots. Resolves
   * once it answers PING, not once the cluster is healthy.
   */
  restart(nodeIndex: number): Promise<void>;
  /**
   * Resolves (with the milliseconds it waited) once every running node reports
   * `cluster_state:ok`, all 16384 slots ok, every node known, `masters` shards, and every replica
   * with its master link up; rejects after `giveUpMs` saying what was still missing.
   */
  waitUntilHealthy(giveUpMs?: number): Promise<number>;
  /** Resolves once every running replica has acknowledged all of its master's writes. */
  waitUntilReplicated(giveUpMs?: number): Promise<void>;
  /** `CLUSTER INFO` of one node as a field map (`cluster_state` → `ok`). */
  clusterInfo(nodeIndex: number): Promise<Record<string, string>>;
  /** Whether one node is a master now (`INFO replication` role). */
  isMaster(nodeIndex: number): Promise<boolean>;
  /** `key`'s hash slot, as the cluster itself answers (`CLUSTER KEYSLOT`). */
  slotOf(key: string): Promise<number>;
  /** The port of the master serving `key`'s slot, as the cluster itself answers. */
  masterPortOf(key: string): Promise<number>;
}

interface NodeState {
  readonly port: number;
  readonly busPort: number;
  readonly dir: string;
  readonly args: readonly string[];
  child: ChildProcess | undefined;
}

/**
 * Starts a real Redis Cluster: `masters × (1 + replicasPerMaster)` redis-servers in cluster mode
 * on free loopback ports (each with its own `--dir` and nodes-PORT.conf in one temp directory, no
 * persistence), joined with `redis-cli --cluster create`, and resolves once every node reports a
 * healthy cluster (polled, with a give-up deadline). Never touches the shared Redis on 6379.
 *
 * @example
 * ```ts
 * const cluster = await startRedisCluster();
 * const client = await createCluster({ rootNodes: [...cluster.rootNodes] }).connect();
 * ```
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const replicasPerMaster = options.replicasPerMaster ?? 0;
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 1000;
  const giveUpMs = options.giveUpMs ?? 30_000;
  if (!(Number.isInteger(masters) && masters >= 3)) throw new Error(`a cluster needs at least 3 masters, not ${masters}`);
  const began = Date.now();
  const root = mkdtempSync(join(tmpdir(), 'rcx-cluster-'));
  const ports = await distinctFreePorts(2 * masters * (1 + replicasPerMaster));
  const states: NodeState[] = [];
  for (let i = 0; i < ports.length; i += 2) {
    const [port, busPort] = [ports[i], ports[i + 1]];
    const dir = join(root, String(port));
    const args = [
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      join(root, `nodes-${port}.conf`),
      // An explicit bus port: the default (port + 10000) may be taken or past 65535.
      '--cluster-port',
      String(busPort),
      '--cluster-node-timeout',
      String(nodeTimeoutMs),
      // A master otherwise waits 5 s for more replicas before its first (diskless) full sync.
      '--repl-diskless-sync-delay',
      '0',
      '--logfile',
      join(dir, 'redis.log'),
    ];
    states.push({ port, busPort, dir, args, child: undefined });
  }

  const cluster = makeCluster(states, root, masters, nodeTimeoutMs, giveUpMs);
  try {
    await Promise.all(
      states.map(async (state) => {
        state.child = await spawnServer(state.port, state.dir, state.args);
      }),
    );
    await createCluster(states, replicasPerMaster, giveUpMs);
    await cluster.waitUntilHealthy();
  } catch (error) {
    const logs = states.map((state) => `--- ${state.port}\n${logTail(state)}`).join('\n');
    await cluster.stop();
    throw new Error(`the Redis Cluster did not start: ${error instanceof Error ? error.message : String(error)}\n${logs}`, {
      cause: error,
    });
  }
  cluster.startedInMs = Date.now() - began;
  return cluster;
}

function makeCluster(
  states: NodeState[],
  root: string,
  masters: number,
  nodeTimeoutMs: number,
  giveUpMs: number,
): RedisCluster & { startedInMs: number } {
  const node = (index: number): NodeState => {
    const state = states[index];
    if (!state) throw new Error(`no cluster node ${index} (there are ${states.length})`);
    return state;
  };
  const isRunning = (state: NodeState) => state.child !== undefined && state.child.exitCode === null && state.child.signalCode === null;
  const anyRunning = (): NodeState => {
    const state = states.find(isRunning);
    if (!state) throw new Error('no cluster node is running');
    return state;
  };

  const health = async (state: NodeState): Promise<true | string> => {
    const info = parseFields(await redisText(state.port, ['CLUSTER', 'INFO']));
    const expected: Record<string, string> = {
      cluster_state: 'ok',
      cluster_slots_ok: String(SLOTS),
      cluster_known_nodes: String(states.length),
      cluster_size: String(masters),
    };
    for (const [field, value] of Object.entries(expected)) {
      if (info[field] !== value) return `${state.port} has ${field}:${info[field]}, not ${value}`;
    }
    const replication = parseFields(await redisText(state.port, ['INFO', 'replication']));
    if (replication.role === 'slave' && replication.master_link_status !== 'up')
      return `replica ${state.port} has its master link ${replication.master_link_status}`;
    return true;
  };

  return {
    nodes: states.map((state) => ({
      port: state.port,
      busPort: state.busPort,
      url: `redis://127.0.0.1:${state.port}`,
      get pid() {
        return isRunning(state) ? (state.child?.pid ?? -1) : -1;
      },
      get running() {
        return isRunning(state);
      },
    })),
    rootNodes: states.map((state) => ({ url: `redis://127.0.0.1:${state.port}` })),
    nodeTimeoutMs,
    startedInMs: -1,
    stop: async () => {
      await Promise.all(states.map((state) => (state.child ? terminate(state.child, 'SIGTERM') : undefined)));
      rmSync(root, { recursive: true, force: true });
    },
    kill: async (index) => {
      const state = node(index);
      if (state.child) await terminate(state.child, 'SIGKILL');
    },
    restart: async (index) => {
      const state = node(index);
      if (state.child) await terminate(state.child, 'SIGTERM');
      state.child = await spawnServer(state.port, state.dir, state.args);
    },
    waitUntilHealthy: async (waitMs = giveUpMs) => {
      const began = Date.now();
      await pollUntil(
        async () => {
          const running = states.filter(isRunning);
          if (running.length === 0) return 'no node is running';
          for (const state of running) {
            const answer = await health(state);
            if (answer !== true) return answer;
          }
          return true;
        },
        'every running cluster node reports a healthy cluster',
        waitMs,
      );
      return Date.now() - began;
    },
    waitUntilReplicated: (waitMs = giveUpMs) =>
      pollUntil(
        async () => {
          for (const state of states.filter(isRunning)) {
            const replication = parseFields(await redisText(state.port, ['INFO', 'replication']));
            if (replication.role !== 'master') continue;
            for (const [field, value] of Object.entries(replication)) {
              const offset = /(?:^|,)offset=(\d+)/.exec(value)?.[1];
              if (/^slave\d+$/.test(field) && offset !== replication.master_repl_offset) {
                return `${state.port}'s ${field} is at ${offset} of ${replication.master_repl_offset}`;
              }
            }
          }
          return true;
        },
        "every replica has its master's writes",
        waitMs,
      ),
    clusterInfo: async (index) => parseFields(await redisText(node(index).port, ['CLUSTER', 'INFO'])),
    isMaster: async (index) => parseFields(await redisText(node(index).port, ['INFO', 'replication'])).role === 'master',
    slotOf: async (key) => keySlot(anyRunning().port, key),
    masterPortOf: async (key) => {
      const port = anyRunning().port;
      const slot = await keySlot(port, key);
      const ranges = await redisCommand(port, ['CLUSTER', 'SLOTS']);
      if (!Array.isArray(ranges)) throw new Error(`unexpected CLUSTER SLOTS reply from ${port}`);
      for (const range of ranges) {
        const [start, end, master] = range as [number, number, [string, number]];
        if (slot >= start && slot <= end) return master[1];
      }
      throw new Error(`no master serves slot ${slot} of "${key}"`);
    },
  };
}

/** `redis-cli --cluster create`: assigns the slots to the first `masters` nodes and joins them all. */
function createCluster(states: NodeState[], replicasPerMaster: number, giveUpMs: number): Promise<void> {
  const args = ['--cluster', 'create', ...states.map((state) => `127.0.0.1:${state.port}`), '--cluster-yes'];
  if (replicasPerMaster > 0) args.push('--cluster-replicas', String(replicasPerMaster));
  return new Promise((resolve, reject) => {
    execFile(CLI, args, { timeout: giveUpMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`redis-cli --cluster create failed (${error.message}):\n${stdout}${stderr}`));
      else resolve();
    });
  });
}

async function keySlot(port: number, key: string): Promise<number> {
  const slot = await redisCommand(port, ['CLUSTER', 'KEYSLOT', key]);
  if (typeof slot !== 'number') throw new Error(`unexpected CLUSTER KEYSLOT reply from ${port}: ${String(slot)}`);
  return slot;
}

/** `count` free loopback ports, no two alike. */
async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/** `field:value` lines (CLUSTER INFO, INFO) as a map. */
function parseFields(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}

function logTail(state: NodeState): string {
  try {
    return readFileSync(join(state.dir, 'redis.log'), 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Whether this machine has the binaries a cluster needs. */
export function redisClusterAvailable(): boolean {
  return existsSync(BINARY) && existsSync(CLI);
}

/**
 * `describe` for suites needing a Redis Cluster: starts one before the suite (see
 * {@link startRedisCluster} for `options`) and stops it after. Without redis-server and
 * redis-cli the suite is skipped with a loud reason, except under `CI=true`, where that is a
 * failure (`.ci/run` installs both).
 */
export function describeRedisCluster(title: string, body: (cluster: () => RedisCluster) => void, options: RedisClusterOptions = {}): void {
  if (!redisClusterAvailable()) {
    const reason = `no ${BINARY} or no ${CLI}: Redis Cluster suite "${title}" cannot run`;
    if (process.env.CI === 'true') {
      describe(title, () =>
        it('has redis-server and redis-cli to build a cluster with', () => {
          throw new Error(reason);
        }),
      );
      return;
    }
    console.warn(`\n  !!! SKIPPED: ${reason}\n`);
    describe.skip(title, () =>
      body(() => {
        throw new Error('skipped');
      }),
    );
    return;
  }
  describe(title, function () {
    let cluster: RedisCluster | undefined;
    before(async function () {
      // redis-cli --cluster create alone waits about a second per join round.
      this.timeout((options.giveUpMs ?? 30_000) * 2 + 10_000);
      cluster = await startRedisCluster(options);
    });
    after(async () => {
      await cluster?.stop();
    });
    body(() => {
      if (cluster === undefined) throw new Error('the Redis Cluster is not started yet');
      return cluster;
    });
  });
}
