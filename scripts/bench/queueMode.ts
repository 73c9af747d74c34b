// `npm run bench`'s queue-mode rows: n8n's queue mode (one main, two workers, PostgreSQL and Redis, as
// scripts/queueN8n.ts starts them), two executions of 500 Set Step items each against the same app + tenant at the
// same time, under Graph's budget time-scaled by 10, in both variants. Printed with scenario R's columns (the
// time is n8n's, from the first execution's creation to the last one's stop; requests and trips are both every
// Graph request, as there is no batching); the floor is (N − the first minute's 200) ÷ 200 a minute for
// N = 1,000. Target: 0 failed, at most 1.15 × the floor.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import type { Emulator, GraphBudget } from '../../emulator';
import { ITEMS_PER_EXECUTION, runTwoExecutions, startQueueN8n, type QueueRun } from '../queueN8n';
import { printBudgetLine, type Target } from './report';

const TIME_SCALE = 10;
const VARIANTS: Array<GraphBudget['variant']> = ['window', 'continuous'];
/** The scenario column, as wide as the table's. */
const SCENARIO_NAMES: Record<GraphBudget['variant'], string> = {
	window: 'Q window',
	continuous: 'Q refill',
};
const WAY = `(a) defaults, 2 workers × ${ITEMS_PER_EXECUTION}`;
const FLOOR_TARGET = 1.15;

const failedOf = (run: QueueRun) => run.executions.reduce((sum, e) => sum + e.failed, 0);

function printRow(run: QueueRun): void {
	const workers = new Set(run.executions.map((e) => e.worker).filter(Boolean)).size;
	printBudgetLine({
		scenario: SCENARIO_NAMES[run.variant],
		way: `${WAY} (${workers} ran)`,
		ms: run.ms,
		ok: run.executions.reduce((sum, e) => sum + e.ok, 0),
		failed: failedOf(run),
		requests: run.requests,
		roundTrips: run.requests,
		throttled: run.tooManyRequests,
		floorMs: run.floorMs,
	});
	for (const { workflowId, error } of run.executions)
		if (error) console.log(`  ${workflowId} answered: ${error}`);
}

/**
 * Starts queue mode in `work`, measures each variant `runs` times (the median time kept, the most items failed in
 * any run judged), prints each row, and returns its targets.
 */
export async function benchQueueMode(
	emulator: Emulator,
	work: string,
	runs: number,
): Promise<Target[]> {
	const queueWork = join(work, 'queue-mode');
	mkdirSync(queueWork);
	console.log(
		`\nQueue mode: two workers, ${ITEMS_PER_EXECUTION} items each, the same app (Graph's budget ×${TIME_SCALE}; Q window: fixed windows, Q refill: continuous):`,
	);
	const queue = await startQueueN8n({ work: queueWork, emulator, timeScale: TIME_SCALE });
	const rows: Array<{ median: QueueRun; mostFailed: number }> = [];
	try {
		for (const variant of VARIANTS) {
			const measured: QueueRun[] = [];
			for (let i = 0; i < runs; i++)
				measured.push(await runTwoExecutions(queue, emulator, variant));
			const median = measured.sort((x, y) => x.ms - y.ms)[Math.floor(measured.length / 2)];
			printRow(median);
			rows.push({ median, mostFailed: Math.max(...measured.map(failedOf)) });
		}
	} finally {
		await queue.stop();
	}
	return rows.map(({ median, mostFailed }) => [
		`Queue mode, ${median.variant}: two workers, ${ITEMS_PER_EXECUTION} items each, the same app: 0 failed, at most ${FLOOR_TARGET} × the floor`,
		mostFailed === 0 && median.ms <= FLOOR_TARGET * median.floorMs,
		`${mostFailed} failed in the worst of ${runs} runs, ${(median.ms / median.floorMs).toFixed(2)} ×`,
	]);
}
