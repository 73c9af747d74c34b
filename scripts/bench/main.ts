// `npm run bench`: the performance table, measured in a real n8n (from .cache/, as for test:e2e) against
// the local emulator. One execution of N items (default 1,000), three ways side by side: (a) this node, (b) n8n's
// HTTP Request node with a bearer header credential, (c) a bare Node script (the floor). Scenario L adds latency
// to every Graph round trip; R is Graph's budget for these endpoints, time-scaled by 10 in both of the emulator's
// variants, with a rival app, and at real time (scenarios.ts); then the queue-mode rows (queueMode.ts).
// Then: time per item and peak RSS at N = 100, 1,000 and 10,000; at the two largest also with the flow as a
// constant instead of the item's expression, with n8n's legacy expression engine, and n8n's Edit Fields node
// evaluating the same expression (what n8n itself costs there); the node's CPU per item, the time to require the
// node and credential modules, token requests over 100 executions in one running n8n, and each target met or not.
//
// Options: --items N, --runs R (of scenario L and the scaling rows). --budget-only: scenario R (and queue mode)
// alone. `--quick` (or BENCH_QUICK=1) is a smoke run of every part in a few minutes, not a measurement: N = 100, 1
// run, scaling at 100 and 200 items; scenario R at 400 items, 1 run, without its row at real time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { startEmulator } from '../../emulator';
import { GRAPH_MINUTE_VARIABLE } from '../../nodes/UserFlowApiConnectors/transport';
import { runTrustingEmulator } from '../../emulator/trust';
import { prepareN8n } from '../prepareN8n';
import { Bench, clientCredentialsToken } from './measure';
import { benchQueueMode } from './queueMode';
import { requireTimeMs } from './profile';
import {
	printBudgetHeading,
	printBudgetRow,
	printIntro,
	printNodeCpu,
	printRequireTimes,
	printScaled,
	printScalingHeading,
	printTable,
	printTargets,
	printTokens,
	type Target,
} from './report';
import {
	importWorkflows,
	measureBaselines,
	measureNodeCpu,
	measureScaling,
	measureTable,
	measureTokens,
	type BenchOptions,
} from './runner';
import { SCENARIO_R_REAL_TIME } from './scenarios';
import { budgetTargets, targets } from './targets';

const FULL = { items: 1000, runs: 5, scalingItems: [100, 1000, 10_000], budgetItems: 1000 };
const QUICK = { items: 100, runs: 1, scalingItems: [100, 200], budgetItems: 400 };

function benchOptions(): BenchOptions {
	const { values } = parseArgs({
		options: {
			items: { type: 'string' },
			runs: { type: 'string' },
			quick: { type: 'boolean', default: process.env.BENCH_QUICK === '1' },
			'budget-only': { type: 'boolean', default: false },
		},
	});
	const defaults = values.quick ? QUICK : FULL;
	return {
		...defaults,
		items: Number(values.items ?? defaults.items),
		runs: Number(values.runs ?? defaults.runs),
		// Rows under the budget wait most of their time: 3 runs of about half a minute each.
		budgetRuns: values.quick ? 1 : 3,
		realTime: !values.quick,
		budgetOnly: values['budget-only'],
	};
}

async function main() {
	// Scenario L and the scaling rows have no budget: a minute of 1 ms takes the node's pace off, so that they
	// measure what they always have (scenario R sets the minute of its budget).
	process.env[GRAPH_MINUTE_VARIABLE] ??= '1';
	const options = benchOptions();
	const work = mkdtempSync(join(tmpdir(), 'n8n-entra-bench-'));
	const emulator = await startEmulator();
	try {
		const token = await clientCredentialsToken(emulator);
		const bearer = {
			id: 'benchBearer01',
			name: 'Graph bearer token',
			type: 'httpHeaderAuth',
			data: { name: 'Authorization', value: `Bearer ${token}` },
		};
		const n8n = await prepareN8n({ work, emulator, otherCredentials: [bearer] });
		const bench = new Bench(emulator, n8n.env, work, token);
		const plan = await importWorkflows(options, n8n, emulator.graphBaseUrl, work);

		let otherTargets: Target[] = [];
		if (!options.budgetOnly) {
			printIntro(options);
			const baselines = await measureBaselines(bench, plan, options.runs);
			const table = await measureTable(bench, plan.table, options);
			printTable(table, baselines, options.items);
			printScalingHeading();
			const scaled = await measureScaling(bench, plan, options.runs, (row) =>
				printScaled(row, baselines),
			);
			const nodeCpu = await measureNodeCpu(bench, plan, options.items, work);
			printNodeCpu(nodeCpu);
			const requireTimes = await requireTimeMs(n8n.node24Bin);
			printRequireTimes(requireTimes);
			const tokens = await measureTokens(bench);
			printTokens(tokens);
			otherTargets = targets({ options, baselines, table, scaled, nodeCpu, requireTimes, tokens });
		}
		printBudgetHeading(options);
		// The row at real time takes about 5 minutes: measured once.
		const budget = [];
		for (const row of plan.budget) {
			const runs = row.scenario === SCENARIO_R_REAL_TIME ? 1 : options.budgetRuns;
			budget.push(
				...(await measureTable(bench, [row], { items: options.budgetItems, runs }, printBudgetRow)),
			);
		}
		const queueMode = await benchQueueMode(emulator, work, options.budgetRuns);
		printTargets([...budgetTargets(budget), ...queueMode, ...otherTargets]);
	} finally {
		await emulator.close();
		rmSync(work, { recursive: true, force: true });
	}
}

runTrustingEmulator(main);
