// How `npm run bench` runs: every workflow planned and imported at once, then each phase measured, every row
// `runs` times from a tenant prepared the same way, the median kept.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { PreparedN8n } from '../prepareN8n';
import { GRAPH_MINUTE_VARIABLE } from '../../nodes/UserFlowApiConnectors/transport';
import { startN8n } from '../realN8n';
import type { WorkflowNode } from '../workflowNodes';
import { median, medianMeasure, type Bench, type Measure } from './measure';
import { nodeCpuFromProfile, type NodeCpu } from './profile';
import {
	A_DEFAULTS,
	BUDGET_SCENARIOS,
	flowName,
	minuteMsOf,
	perAppPerMinute,
	SCENARIO_L,
	SCENARIO_R_REAL_TIME,
	scalingCases,
	SET_STEP,
	type Operation,
	type ScalingCase,
	type Scenario,
	type Way,
} from './scenarios';
import { benchWorkflow, targetNode, webhookWorkflow } from './workflows';

export interface BenchOptions {
	/** N of the table. */
	items: number;
	/** Runs of every row; the median is kept. */
	runs: number;
	/** Item counts of the scaling rows; the targets compare the last two. */
	scalingItems: number[];
	/** N of the rows under Graph's budget (scenario R), and their runs. */
	budgetItems: number;
	budgetRuns: number;
	/** The row of scenario R at real time (about 5 minutes for 1,000 items). */
	realTime: boolean;
	/** Scenario R alone: no scenario L, scaling, CPU, require time nor tokens. */
	budgetOnly: boolean;
}

export interface TableRow {
	scenario: Scenario;
	operation: Operation;
	way: Way;
	/** The imported workflow; none for the bare script. */
	id?: string;
}

export interface Plan {
	table: TableRow[];
	/** Scenario R's rows, at options.budgetItems. */
	budget: TableRow[];
	scaling: Array<ScalingCase & { id: string }>;
	/** The same items without a target, by item count. */
	baselines: Map<number, string>;
}

const HOOK_ID = 'BenchTokens01';
const HOOK_PATH = 'bench-tokens';

/** Every workflow is imported in one go, because each n8n command is slow to start. */
export async function importWorkflows(
	options: BenchOptions,
	{ cli }: PreparedN8n,
	graphBaseUrl: string,
	work: string,
): Promise<Plan> {
	const workflows: object[] = [];
	const workflowId = (target: WorkflowNode | undefined, n: number) => {
		const id = `Bench${String(workflows.length).padStart(4, '0')}`;
		workflows.push(benchWorkflow(id, n, target));
		return id;
	};
	const rowsOf = (scenarios: Scenario[], n: number) =>
		scenarios.flatMap((scenario) =>
			scenario.cases.flatMap(({ operation, ways }) =>
				ways.map((way) => ({
					scenario,
					operation,
					way,
					id:
						way.kind === 'bare'
							? undefined
							: workflowId(targetNode(operation, way, graphBaseUrl), n),
				})),
			),
		);
	const table = options.budgetOnly ? [] : rowsOf([SCENARIO_L], options.items);
	const budget = rowsOf(
		[...BUDGET_SCENARIOS, ...(options.realTime ? [SCENARIO_R_REAL_TIME] : [])],
		options.budgetItems,
	);
	const scaling = scalingCases(options.budgetOnly ? [] : options.scalingItems).map((row) => ({
		...row,
		id: workflowId(targetNode(row.operation, row.way, graphBaseUrl), row.n),
	}));
	const counts = options.budgetOnly ? [] : [options.items, ...options.scalingItems];
	const baselines = new Map([...new Set(counts)].map((n) => [n, workflowId(undefined, n)]));
	workflows.push(webhookWorkflow(HOOK_ID, HOOK_PATH));
	const workflowsFile = join(work, 'workflows.json');
	writeFileSync(workflowsFile, JSON.stringify(workflows));
	await cli(['import:workflow', `--input=${workflowsFile}`]);
	await cli(['publish:workflow', `--id=${HOOK_ID}`]);
	return { table, budget, scaling, baselines };
}

async function repeat(
	bench: Bench,
	runs: number,
	scenario: Scenario,
	once: () => Promise<Measure>,
): Promise<Measure[]> {
	const measures: Measure[] = [];
	for (let i = 0; i < runs; i++) {
		bench.prepare(scenario);
		measures.push(await once());
	}
	return measures;
}

export type Baselines = Map<number, { cpuMs: number; rssMb: number }>;

/** The same items through n8n without the node: its CPU and peak RSS, each the median of the runs. */
export async function measureBaselines(bench: Bench, plan: Plan, runs: number): Promise<Baselines> {
	const baselines: Baselines = new Map();
	for (const [n, id] of plan.baselines) {
		const measures = await repeat(bench, runs, SCENARIO_L, () => bench.execute(id, n));
		baselines.set(n, {
			cpuMs: median(measures.map((m) => m.cpuMs)),
			rssMb: median(measures.map((m) => m.rssMb)),
		});
	}
	return baselines;
}

export type TableResult = TableRow & {
	m: Measure;
	/** The worst run's failed items. */ mostFailed: number;
};

/** Every row `runs` times, the median time kept; `measured` hears of each row as soon as it is measured. */
export async function measureTable(
	bench: Bench,
	rows: TableRow[],
	{ items, runs }: { items: number; runs: number },
	measured: (row: TableResult) => void = () => undefined,
): Promise<TableResult[]> {
	const results: TableResult[] = [];
	for (const row of rows) {
		const { id, way, scenario } = row;
		// Without a budget, a minute of 1 ms takes the node's pace off: L measures what it always has.
		const minuteMs = scenario.budget ? minuteMsOf(scenario) : 1;
		const env = { [GRAPH_MINUTE_VARIABLE]: String(minuteMs) };
		const pace =
			way.kind === 'bare' && way.paced
				? { perMinute: perAppPerMinute(scenario), minuteMs }
				: undefined;
		const measures = await repeat(bench, runs, scenario, () =>
			id
				? bench.execute(id, items, { env })
				: bench.bare(row.operation, items, way.kind === 'bare' && way.keepAlive, pace),
		);
		results.push({
			...row,
			m: medianMeasure(measures),
			mostFailed: Math.max(...measures.map((m) => m.failed)),
		});
		measured(results[results.length - 1]);
	}
	return results;
}

export interface Scaled {
	way: Way;
	n: number;
	m: Measure;
}

/** Scenario L; `measured` hears of every row as soon as it is measured. */
export async function measureScaling(
	bench: Bench,
	plan: Plan,
	runs: number,
	measured: (row: Scaled) => void,
): Promise<Scaled[]> {
	const scaled: Scaled[] = [];
	for (const { way, n, id } of plan.scaling) {
		const env = way.kind === 'node' ? way.env : undefined;
		const measures = await repeat(bench, runs, SCENARIO_L, () => bench.execute(id, n, { env }));
		scaled.push({ way, n, m: medianMeasure(measures) });
		measured(scaled[scaled.length - 1]);
	}
	return scaled;
}

/** One more run of (a) defaults, L, Set Step, under V8's CPU profiler. */
export async function measureNodeCpu(
	bench: Bench,
	plan: Plan,
	items: number,
	work: string,
): Promise<NodeCpu> {
	const profileDir = join(work, 'profile');
	mkdirSync(profileDir);
	bench.prepare(SCENARIO_L);
	const row = plan.table.find((row) => row.way === A_DEFAULTS && row.operation === SET_STEP)!;
	await bench.execute(row.id!, items, { profileDir });
	return nodeCpuFromProfile(profileDir, items);
}

export interface Tokens {
	executions: number;
	/** Token requests the emulator received over them. */
	requests: number;
	/** Executions that answered with the flow's configuration. */
	answered: number;
}

/** Consecutive webhook executions in one running n8n. */
export async function measureTokens(bench: Bench, executions = 100): Promise<Tokens> {
	bench.prepare({ latencyMs: 0 });
	const n8n = await startN8n(bench.env);
	let answered = 0;
	try {
		for (let i = 0; i < executions; i++) {
			const response = await n8n.webhook(HOOK_PATH);
			const body = (await response.json()) as { userFlowId?: string };
			if (response.ok && body.userFlowId === flowName(0)) answered++;
		}
	} finally {
		await n8n.stop();
	}
	return { executions, requests: bench.emulator.tokenRequests().length, answered };
}
