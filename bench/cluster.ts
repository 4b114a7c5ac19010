// `npx ts-node --transpile-only bench/cluster.ts`: how long the test Redis Cluster takes to start
// and to recover from a killed master, per cluster-node-timeout. Prints a Markdown table.
// Tunables: CLUSTER_BENCH_ROUNDS (5), CLUSTER_BENCH_TIMEOUTS (comma list of ms, "1000,2000").
import { pollUntil } from '../spec/helpers/pollUntil';
import { startRedisCluster, type RedisCluster } from '../spec/helpers/redisCluster';

const ROUNDS = Number(process.env.CLUSTER_BENCH_ROUNDS ?? 5);
const TIMEOUTS = (process.env.CLUSTER_BENCH_TIMEOUTS ?? '1000,2000').split(',').map(Number);

type Figures = Record<string, number[]>;

function record(figures: Figures, name: string, ms: number): void {
  (figures[name] ??= []).push(ms);
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const began = Date.now();
  await run();
  return Date.now() - began;
}

/** Kills node 1 and restarts it; with `awaitFail`, only after a survivor reports the cluster failed. */
async function killAndRestart(cluster: RedisCluster, figures: Figures, awaitFail: boolean): Promise<void> {
  const killedAt = Date.now();
  await cluster.kill(1);
  if (awaitFail) {
    await pollUntil(async () => (await cluster.clusterInfo(0)).cluster_state === 'fail' || 'still ok', 'the cluster fails', 30_000);
    record(figures, 'SIGKILL → survivors report cluster_state:fail', Date.now() - killedAt);
  }
  const restartedAt = Date.now();
  await cluster.restart(1);
  await cluster.waitUntilHealthy();
  const label = awaitFail ? 'restart after FAIL → healthy' : 'SIGKILL + immediate restart → healthy';
  record(figures, label, Date.now() - (awaitFail ? restartedAt : killedAt));
  if (awaitFail) record(figures, 'SIGKILL → healthy again (restart after FAIL)', Date.now() - killedAt);
}

async function measure(nodeTimeoutMs: number): Promise<Figures> {
  const figures: Figures = {};
  for (let round = 0; round < ROUNDS; round += 1) {
    const plain = await startRedisCluster({ nodeTimeoutMs });
    record(figures, 'start, 3 masters', plain.startedInMs);
    await killAndRestart(plain, figures, false);
    await killAndRestart(plain, figures, true);
    await plain.stop();

    const replicated = await startRedisCluster({ nodeTimeoutMs, replicasPerMaster: 1 });
    record(figures, 'start, 3 masters + 3 replicas', replicated.startedInMs);
    const victim = (await Promise.all(replicated.nodes.map((_, index) => replicated.isMaster(index)))).indexOf(true);
    record(
      figures,
      'SIGKILL master → replica promoted, healthy',
      await timed(async () => {
        await replicated.kill(victim);
        await replicated.waitUntilHealthy();
      }),
    );
    await replicated.stop();
  }
  return figures;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const results = new Map<number, Figures>();
  for (const timeout of TIMEOUTS) results.set(timeout, await measure(timeout));
  const names = [...new Set([...results.values()].flatMap((figures) => Object.keys(figures)))];
  console.log(`| ms, median (min–max) of ${ROUNDS} | ${TIMEOUTS.map((timeout) => `node-timeout ${timeout}`).join(' | ')} |`);
  console.log(`| --- | ${TIMEOUTS.map(() => '---').join(' | ')} |`);
  for (const name of names) {
    const cells = TIMEOUTS.map((timeout) => {
      const values = results.get(timeout)?.[name] ?? [];
      return values.length ? `${median(values)} (${Math.min(...values)}–${Math.max(...values)})` : '–';
    });
    console.log(`| ${name} | ${cells.join(' | ')} |`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
