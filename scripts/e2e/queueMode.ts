// `npm run test:e2e` (and `npm run test:queue` alone) in n8n's queue mode: one main, two workers, PostgreSQL and
// Redis; two executions Set Step against the same app + tenant at the same time under Graph's budget, time-scaled,
// in each variant of the emulator's budget.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import type { Emulator, GraphBudget } from '../../emulator';
import { runTwoExecutions, startQueueN8n, type QueueRun } from '../queueN8n';
import { SHARED_BUDGET_KEY, sharedBudgetKeys } from '../redisServer';
import { check } from './check';

const TIME_SCALE = 10;
const VARIANTS: Array<GraphBudget['variant']> = ['window', 'continuous'];

/** The figures of one run, as the check prints them. */
export function describeQueueRun(run: QueueRun): string {
	const executions = run.executions
		.map(
			(e) =>
				`${e.workflowId} on ${e.worker ?? 'no worker found'}: ${e.ok} ok, ${e.failed} failed, ${(e.ms / 1000).toFixed(1)} s`,
		)
		.join('; ');
	return (
		`${executions}; together ${(run.ms / 1000).toFixed(1)} s, ${(run.ms / run.floorMs).toFixed(2)} × the ` +
		`${(run.floorMs / 1000).toFixed(1)} s floor, ${run.requests} requests, ${run.tooManyRequests} answered 429, ` +
		`${run.tokens} token requests`
	);
}

export async function checkQueueMode(emulator: Emulator, work: string): Promise<void> {
	const queueWork = join(work, 'queue-mode');
	mkdirSync(queueWork);
	const queue = await startQueueN8n({ work: queueWork, emulator, timeScale: TIME_SCALE });
	try {
		const settings = (
			(await (
				await fetch(`${queue.main.baseUrl}/rest/settings`, { headers: { Cookie: queue.cookie } })
			).json()) as {
				data: { executionMode: string; unverifiedCommunityNodesEnabled: boolean };
			}
		).data;
		check(
			'queue mode: one main (executions mode queue) and two workers ready on PostgreSQL and Redis',
			settings.executionMode === 'queue' &&
				queue.workers.every(({ process }) => process.log().includes('n8n worker is now ready')),
			`executionMode ${settings.executionMode}`,
		);
		const processes = [queue.main, ...queue.workers.map(({ process }) => process)];
		// Unset, n8n 2.41 warns at every start that its default will turn to false (DeprecationService).
		const warned = processes.filter((n8n) =>
			n8n.log().includes('N8N_UNVERIFIED_PACKAGES_ENABLED'),
		).length;
		check(
			'  N8N_UNVERIFIED_PACKAGES_ENABLED=true on main and workers: unverified packages on, no deprecation warning',
			settings.unverifiedCommunityNodesEnabled === true && warned === 0,
			`${warned} of 3 processes warned`,
		);
		for (const variant of VARIANTS) {
			const run = await runTwoExecutions(queue, emulator, variant);
			const workers = new Set(run.executions.map((e) => e.worker));
			check(
				`queue mode, ${variant} budget ×${TIME_SCALE}: the two executions ran on two workers`,
				workers.size === 2 && !workers.has(undefined),
				[...workers].join(', '),
			);
			const failed = run.executions.reduce((sum, e) => sum + e.failed, 0);
			check(
				`queue mode, ${variant} budget ×${TIME_SCALE}: 2 × ${queue.items} items Set Step on the same app, 0 failed`,
				failed === 0,
				describeQueueRun(run),
			);
			for (const { workflowId, error } of run.executions)
				if (error) console.log(`     ${workflowId} answered: ${error}`);
			// Alone, each worker would meet the other's requests as 429s (48 to 660 of them measured): paced as one.
			check(
				`  one pace through queue mode's Redis: at most 2 % of the requests answered 429`,
				run.tooManyRequests <= 0.02 * run.requests,
				`${run.tooManyRequests} of ${run.requests}`,
			);
		}
		const keys = await sharedBudgetKeys(queue.redis);
		const logs = processes.map((n8n) => n8n.log());
		check(
			"  the pace's counts in Redis (hashed keys that expire), no process pacing alone, Redis's password in no log",
			keys.length > 0 &&
				keys.every(({ name, ttl }) => SHARED_BUDGET_KEY.test(name) && ttl > 0) &&
				!logs.some((log) => log.includes('paces its Graph requests alone')) &&
				!logs.some((log) => log.includes(queue.redis.password)),
			keys.map(({ name }) => name.split(':')[2]).join(', '),
		);
	} finally {
		await queue.stop();
	}
}
