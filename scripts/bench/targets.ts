// The targets of the performance issue, each judged on the figures `npm run bench` measured.
import { median } from './measure';
import type { NodeCpu } from './profile';
import { resultOf, type Target } from './report';
import type { Baselines, BenchOptions, Scaled, TableResult, Tokens } from './runner';
import {
	A_BATCHING,
	A_BATCHING_ONE_FLOW,
	A_DEFAULTS,
	A_LEGACY_EXPRESSIONS,
	A_ONE_FLOW,
	B_DEFAULTS,
	scenarioFloorMs,
	C_FLOOR,
	EDIT_FIELDS,
	GET_CONFIGURATION,
	SCENARIO_L,
	SET_STEP,
	type Way,
} from './scenarios';

export interface Figures {
	options: BenchOptions;
	baselines: Baselines;
	table: TableResult[];
	scaled: Scaled[];
	nodeCpu: NodeCpu;
	requireTimes: number[];
	tokens: Tokens;
}

const count = (n: number) => n.toLocaleString('en-US');

/**
 * Graph's budget (scenario R): this node, defaults or Batching, fails no item in any run, comes within 1.05 ×
 * the floor (1.15 × with a rival spending the tenant's budget), and meets at most 2 % of 429s without a rival.
 */
export function budgetTargets(rows: TableResult[]): Target[] {
	return rows
		.filter((row) => row.way.kind === 'node')
		.flatMap(({ scenario, way, m, mostFailed }): Target[] => {
			const name = `${scenario.name}: ${way.label}`;
			const floorMs = scenarioFloorMs(scenario, m.ok + m.failed);
			const bound = scenario.rivalPerMinute ? 1.15 : 1.05;
			const share = m.throttled / m.requests;
			return [
				[`${name}: 0 failed`, mostFailed === 0, `${mostFailed} failed in the worst run`],
				[
					`${name}: within ${bound} × the floor of ${(floorMs / 1000).toFixed(1)} s`,
					m.ms <= bound * floorMs,
					`${(m.ms / floorMs).toFixed(2)} ×`,
				],
				...(scenario.rivalPerMinute
					? []
					: [
							[
								`${name}: at most 2 % of requests answered 429`,
								share <= 0.02,
								`${(share * 100).toFixed(1)} % (${m.throttled} of ${m.requests})`,
							] as Target,
						]),
			];
		});
}

/** Latency: near the bare script without Batching; with it, few round trips and well ahead of (b). */
function latencyTargets({ options, table }: Figures): Target[] {
	return [SET_STEP, GET_CONFIGURATION].flatMap((operation): Target[] => {
		const a = resultOf(table, SCENARIO_L, operation, A_DEFAULTS);
		const batched = resultOf(table, SCENARIO_L, operation, A_BATCHING);
		const c = resultOf(table, SCENARIO_L, operation, C_FLOOR);
		const b = resultOf(table, SCENARIO_L, operation, B_DEFAULTS);
		return [
			[
				`L ${operation.name}: batching off within 1.3 × of (c)`,
				a.ms <= 1.3 * c.ms,
				`${(a.ms / c.ms).toFixed(2)} ×`,
			],
			[
				`L ${operation.name}: batching on, ${options.items / 20} round trips`,
				batched.roundTrips === options.items / 20,
				`${batched.roundTrips}`,
			],
			[
				`L ${operation.name}: batching on at least 3 × faster than (b)`,
				b.ms >= 3 * batched.ms,
				`${(b.ms / batched.ms).toFixed(2)} ×`,
			],
		];
	});
}

/** Scaling between the two largest item counts: time per item and peak RSS. */
function scalingTargets({ options, baselines, scaled }: Figures): Target[] {
	const [from, to] = options.scalingItems.slice(-2);
	const at = (way: Way, n: number) => scaled.find((s) => s.way === way && s.n === n)!.m;
	const perItemChange = (way: Way) => at(way, to).ms / to / (at(way, from).ms / from) - 1;
	const marginalMs = (way: Way) => (at(way, to).ms - at(way, from).ms) / (to - from);
	const growthOf = (way: Way) => at(way, to).rssMb - at(way, from).rssMb;
	const withoutNode = baselines.get(to)!.rssMb - baselines.get(from)!.rssMb;
	const rssTarget = (way: Way) =>
		`${way.label}: peak RSS grows by less than 100 MB from ${count(from)} to ${count(to)} items`;
	return [
		// Both also print what n8n's Edit Fields node does with the same items and expression, sending nothing.
		...[A_DEFAULTS, A_BATCHING, A_ONE_FLOW, A_BATCHING_ONE_FLOW].flatMap((way): Target[] => {
			const expression = way === A_DEFAULTS || way === A_BATCHING;
			const n8nItself = (figure: string) =>
				expression ? `; n8n's Edit Fields evaluating the same expression: ${figure}` : '';
			return [
				[
					`${way.label}: time per item flat (within 25 %) from N = ${count(from)} to ${count(to)}`,
					Math.abs(perItemChange(way)) <= 0.25,
					// What one more item costs, without the execution's fixed start (loading @azure/identity, the token).
					`${(perItemChange(way) * 100).toFixed(0)} % (each item beyond ${count(from)}: ${marginalMs(way).toFixed(2)} ms${n8nItself(`${(perItemChange(EDIT_FIELDS) * 100).toFixed(0)} %`)})`,
				],
				[
					rssTarget(way),
					growthOf(way) < 100,
					`${growthOf(way).toFixed(0)} MB (n8n without the node: ${withoutNode.toFixed(0)} MB${n8nItself(`${growthOf(EDIT_FIELDS).toFixed(0)} MB`)})`,
				],
			];
		}),
		[
			rssTarget(A_LEGACY_EXPRESSIONS),
			growthOf(A_LEGACY_EXPRESSIONS) < 100,
			`${growthOf(A_LEGACY_EXPRESSIONS).toFixed(0)} MB`,
		],
	];
}

export function targets(figures: Figures): Target[] {
	const { requireTimes, tokens, nodeCpu } = figures;
	return [
		...latencyTargets(figures),
		...scalingTargets(figures),
		[
			'require time 15 ms or less',
			median(requireTimes) <= 15,
			`${median(requireTimes).toFixed(1)} ms`,
		],
		[
			`1 token request for ${tokens.executions} executions in one n8n`,
			tokens.requests === 1 && tokens.answered === tokens.executions,
			`${tokens.requests}`,
		],
		['node CPU per item under 0.3 ms', nodeCpu.nodeMs < 0.3, `${nodeCpu.nodeMs.toFixed(3)} ms`],
	];
}
