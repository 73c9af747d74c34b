// What `npm run bench` prints: the table of scenarios × ways, the scaling rows, the node's CPU, require time and
// token count, and each target of the performance issue met or not.
import { cpus, loadavg } from 'node:os';

import { median, type Measure } from './measure';
import type { NodeCpu } from './profile';
import type { Baselines, BenchOptions, Scaled, TableResult, Tokens } from './runner';
import {
	B_DEFAULTS,
	scenarioFloorMs,
	C_FLOOR,
	type Operation,
	type Scenario,
	type Way,
} from './scenarios';

export function printIntro({ items, runs }: BenchOptions): void {
	const cpu = cpus()[0]?.model ?? 'unknown CPU';
	console.log(
		`\nN = ${items} items, median of ${runs} runs; n8n 2.41.1 on Node 24 and the emulator on 127.0.0.1; ${cpus().length} × ${cpu}`,
	);
	console.log(
		'(c) runs at the concurrency of (a) (its default); a/b and a/c compare each (a) row with (b) defaults and (c) of its scenario.\n',
	);
	const header =
		'scenario  operation    way                                   time ms     ok  failed  trips  429s  tokens  RSS MB  CPU ms/item  a/b   a/c';
	console.log(header);
}

/** The load average of the last minute: the machine may be shared, and the budget rows wait most of the time. */
const load = () => loadavg()[0].toFixed(2);

export function printBudgetHeading({ budgetItems, budgetRuns, realTime }: BenchOptions): void {
	console.log(
		`\nScenario R, Graph's budget for these endpoints (200 a minute per app + tenant, 300 per tenant), Set Step, N = ${budgetItems}, median of ${budgetRuns} runs (failed: the worst run; the row at real time: 1 run); ×10: a minute lasts 6 s. Floor: (N − the first minute's 200) ÷ the rate the budget leaves the app (200 a minute, 150 with the rival spending 150 of the tenant's 300).`,
	);
	if (!realTime)
		console.log('The row at real time (about 5 minutes for 1,000 items) is skipped by --quick.');
	console.log(
		'scenario      way                                   time ms     ok  failed  requests  trips  429s  429 %  floor ms  × floor  load',
	);
}

/** One row under the budget heading: scenario R's, and the queue-mode rows'. */
export interface BudgetRow {
	scenario: string;
	way: string;
	ms: number;
	ok: number;
	failed: number;
	requests: number;
	roundTrips: number;
	throttled: number;
	floorMs: number;
}

export function printBudgetLine(row: BudgetRow): void {
	console.log(
		`${row.scenario.padEnd(13)} ${row.way.padEnd(37)} ${String(Math.round(row.ms)).padStart(7)} ${String(row.ok).padStart(6)} ${String(row.failed).padStart(7)} ${String(row.requests).padStart(9)} ${String(row.roundTrips).padStart(6)} ${String(row.throttled).padStart(5)} ${((100 * row.throttled) / row.requests).toFixed(1).padStart(6)} ${String(Math.round(row.floorMs)).padStart(9)} ${(row.ms / row.floorMs).toFixed(2).padStart(8)} ${load().padStart(5)}`,
	);
}

export function printBudgetRow({ scenario, way, m, mostFailed }: TableResult): void {
	printBudgetLine({
		scenario: scenario.name,
		way: way.label,
		ms: m.ms,
		ok: m.ok,
		failed: mostFailed,
		requests: m.requests,
		roundTrips: m.roundTrips,
		throttled: m.throttled,
		floorMs: scenarioFloorMs(scenario, m.ok + m.failed),
	});
	if (m.error) console.log(`  the execution failed: ${m.error}`);
}

export const resultOf = (
	table: TableResult[],
	scenario: Scenario,
	operation: Operation,
	way: Way,
): Measure =>
	table.find((row) => row.scenario === scenario && row.operation === operation && row.way === way)!
		.m;

/** The table's rows, then how any execution among them failed. */
export function printTable(table: TableResult[], baselines: Baselines, items: number): void {
	for (const row of table) {
		const { m } = row;
		const ratioTo = (way: Way) =>
			(m.ms / resultOf(table, row.scenario, row.operation, way).ms).toFixed(2).padStart(5);
		const ratios = row.way.kind === 'node' ? `${ratioTo(B_DEFAULTS)} ${ratioTo(C_FLOOR)}` : '';
		const cpuPerItem = Number.isNaN(m.cpuMs)
			? ''
			: ((m.cpuMs - baselines.get(items)!.cpuMs) / items).toFixed(2);
		console.log(
			`${row.scenario.name.padEnd(9)} ${row.operation.name.padEnd(12)} ${row.way.label.padEnd(37)} ${String(Math.round(m.ms)).padStart(7)} ${String(m.ok).padStart(6)} ${String(m.failed).padStart(7)} ${String(m.roundTrips).padStart(6)} ${String(m.throttled).padStart(5)} ${String(m.tokens).padStart(7)} ${m.rssMb.toFixed(0).padStart(7)} ${cpuPerItem.padStart(12)} ${ratios}`,
		);
	}
	for (const row of table) {
		if (row.m.error)
			console.log(
				`${row.scenario.name}, ${row.operation.name}, ${row.way.label}: the execution failed: ${row.m.error}`,
			);
	}
}

export function printScalingHeading(): void {
	console.log('\nScaling, (a) in scenario L, Set Step:');
}

export function printScaled({ way, n, m }: Scaled, baselines: Baselines): void {
	const baseline = baselines.get(n)!;
	console.log(
		`  ${way.label.padEnd(44)} N = ${String(n).padStart(6)}: ${(m.ms / n).toFixed(2)} ms per item, peak RSS ${m.rssMb.toFixed(0)} MB (${baseline.rssMb.toFixed(0)} MB without the node), process CPU ${((m.cpuMs - baseline.cpuMs) / n).toFixed(2)} ms per item, ${m.failed} failed`,
	);
}

export function printNodeCpu({ nodeMs, httpMs, expressionMs }: NodeCpu): void {
	console.log(
		`\nNode CPU per item (V8 profile of (a) defaults, L, Set Step): ${nodeMs.toFixed(3)} ms in this package's code and the n8n calls it makes;` +
			` Node's HTTPS client, called by the node's transport, ${httpMs.toFixed(3)} ms; n8n's expression engine ${expressionMs.toFixed(3)} ms for the item's {{ $json.flow }}.`,
	);
}

export function printRequireTimes(times: number[]): void {
	console.log(
		`Require node + credential on top of n8n-workflow (Node 24, ${times.length} fresh processes): median ${median(times).toFixed(1)} ms (${times.map((t) => t.toFixed(1)).join(', ')})`,
	);
}

export function printTokens({ executions, requests, answered }: Tokens): void {
	console.log(
		`Token requests over ${executions} consecutive webhook executions in one running n8n: ${requests} (${answered}/${executions} executions answered with the configuration)`,
	);
}

/** Name, met or not, and the figure it was judged on. */
export type Target = [string, boolean, string];

export function printTargets(targets: Target[]): void {
	console.log('\nTargets:');
	for (const [name, met, figure] of targets)
		console.log(`  ${met ? 'met    ' : 'NOT met'}  ${name}: ${figure}`);
}
