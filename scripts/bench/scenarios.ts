// What `npm run bench` measures: the operations (one Graph request per item), the ways of sending them, the
// scenarios of the table and the item counts of the scaling rows.
import type { GraphBudget } from '../../emulator';
import { budgetFloorMs, GRAPH_BUDGET_DEFAULTS } from '../../emulator/throttle';
import { REQUEST_OPTION_DEFAULTS } from '../../nodes/UserFlowApiConnectors/actions/requestOptions';
import { SEEDED_CONNECTORS } from '../../emulator/state';

export const FLOWS = 50;
export const flowName = (i: number) => `B2X_1_Bench${i % FLOWS}`;
const CONNECTOR_ID = SEEDED_CONNECTORS[0].id;
const connectorRef = (graphBaseUrl: string) =>
	`${graphBaseUrl}/v1.0/identity/apiConnectors/${CONNECTOR_ID}`;
const byExpression = { __rl: true, mode: 'id', value: '={{ $json.flow }}' };

/** One Graph request per item, the same for the three ways. */
export interface Operation {
	name: string;
	/** This node's parameters, without Request Options. */
	parameters: Record<string, unknown>;
	method: 'GET' | 'PUT';
	/** Below /v1.0, for a flow name or an expression that gives it. */
	path: (flow: string) => string;
	body?: (graphBaseUrl: string) => object;
}

export const SET_STEP: Operation = {
	name: 'Set Step',
	parameters: {
		resource: 'apiConnectorConfiguration',
		operation: 'setStep',
		flowKind: 'b2x',
		userFlow: byExpression,
		step: 'postAttributeCollection',
		apiConnector: { __rl: true, mode: 'id', value: CONNECTOR_ID },
	},
	method: 'PUT',
	path: (flow) =>
		`/identity/b2xUserFlows/${flow}/apiConnectorConfiguration/postAttributeCollection/$ref`,
	body: (graphBaseUrl) => ({ '@odata.id': connectorRef(graphBaseUrl) }),
};

export const SET_STEP_ONE_FLOW: Operation = {
	...SET_STEP,
	parameters: { ...SET_STEP.parameters, userFlow: { __rl: true, mode: 'id', value: flowName(0) } },
};

export const GET_CONFIGURATION: Operation = {
	name: 'Get Config',
	parameters: {
		resource: 'apiConnectorConfiguration',
		operation: 'get',
		flowKind: 'b2x',
		userFlow: byExpression,
	},
	method: 'GET',
	path: (flow) =>
		`/identity/b2xUserFlows/${flow}/apiConnectorConfiguration?$expand=postFederationSignup,postAttributeCollection`,
};

export const GET_CONFIGURATION_ONE_FLOW: Operation = {
	...GET_CONFIGURATION,
	parameters: {
		...GET_CONFIGURATION.parameters,
		userFlow: { __rl: true, mode: 'id', value: flowName(0) },
	},
};

export type Way =
	| { label: string; kind: 'node'; requestOptions: { batching?: boolean }; env?: NodeJS.ProcessEnv }
	| { label: string; kind: 'http'; options: object }
	| { label: string; kind: 'bare'; keepAlive: boolean; paced?: boolean }
	| { label: string; kind: 'editFields' };

/** Way (a): this node with these Request Options, in an n8n with `env` on top of its own. */
const nodeWay = (
	label: string,
	requestOptions: { batching?: boolean },
	env?: NodeJS.ProcessEnv,
): Way => ({ label, kind: 'node', requestOptions, env });

export const A_DEFAULTS = nodeWay('(a) this node, defaults', {});
export const A_BATCHING = nodeWay('(a) this node, batching on', { batching: true });
export const B_DEFAULTS: Way = { label: '(b) HTTP Request, defaults', kind: 'http', options: {} };
// Graph's budget of these endpoints (200 a minute per app) at the benchmark's time scale of 10: 20 every 600 ms.
const B_BATCHING_TO_BUDGET: Way = {
	label: '(b) HTTP Request, batching 20/600 ms',
	kind: 'http',
	options: { batching: { batch: { batchSize: 20, batchInterval: 600 } } },
};
// The same items and requests with the flow given as a constant: what the user's per-item expression costs.
export const A_ONE_FLOW = nodeWay('(a) defaults, flow without expression', {});
export const A_BATCHING_ONE_FLOW = nodeWay('(a) batching on, flow without expression', {
	batching: true,
});
// The same with n8n's older expression engine instead of 2.41's default, which evaluates in an isolate.
const LEGACY_ENGINE = { N8N_EXPRESSION_ENGINE: 'legacy' };
export const A_LEGACY_EXPRESSIONS = nodeWay(
	'(a) defaults, N8N_EXPRESSION_ENGINE=legacy',
	{},
	LEGACY_ENGINE,
);
// n8n's own Edit Fields (Set) node evaluating the same {{ $json.flow }} for every item, sending nothing.
export const EDIT_FIELDS: Way = { label: "n8n's Edit Fields, same expression", kind: 'editFields' };
export const C_FLOOR: Way = {
	label: `(c) bare script, ${REQUEST_OPTION_DEFAULTS.concurrency} at a time`,
	kind: 'bare',
	keepAlive: true,
};
const C_NEW_CONNECTIONS: Way = {
	label: '(c) same, new TLS connection each',
	kind: 'bare',
	keepAlive: false,
};
// The floor under a budget: the bare script keeps to it as the node does, at most 200 in any minute.
const C_PACED: Way = {
	label: '(c) bare script paced to the budget',
	kind: 'bare',
	keepAlive: true,
	paced: true,
};

export interface Scenario {
	name: string;
	latencyMs: number;
	/** Graph's budget for these endpoints, as the emulator models it (emulator/throttle.ts); none: no limit. */
	budget?: GraphBudget;
	/** Another app of the tenant that spends this many of its 300 a minute while the row runs. */
	rivalPerMinute?: number;
	cases: Array<{ operation: Operation; ways: Way[] }>;
}

export const SCENARIO_L: Scenario = {
	name: 'L 20 ms',
	latencyMs: 20,
	cases: [SET_STEP, GET_CONFIGURATION].map((operation) => ({
		operation,
		ways: [A_DEFAULTS, A_BATCHING, B_DEFAULTS, C_FLOOR, C_NEW_CONNECTIONS],
	})),
};

/** Scenario R: Graph's real budget (200 a minute per app + tenant, 300 per tenant), 20 ms away. */
function budgetScenario(
	name: string,
	budget: GraphBudget,
	ways: Way[],
	rivalPerMinute?: number,
): Scenario {
	return { name, latencyMs: 20, budget, rivalPerMinute, cases: [{ operation: SET_STEP, ways }] };
}

const R_TIME_SCALE = 10;
const R_WAYS = [A_DEFAULTS, A_BATCHING, B_DEFAULTS, B_BATCHING_TO_BUDGET, C_PACED];
const RIVAL_PER_MINUTE = 150;

/** Time-scaled by 10 (a minute lasts 6 s) in both variants, then with a rival while (a) runs. */
export const BUDGET_SCENARIOS: Scenario[] = [
	budgetScenario('R cont ×10', { variant: 'continuous', timeScale: R_TIME_SCALE }, R_WAYS),
	budgetScenario('R win ×10', { variant: 'window', timeScale: R_TIME_SCALE }, R_WAYS),
	budgetScenario(
		'R+rival cont',
		{ variant: 'continuous', timeScale: R_TIME_SCALE },
		[A_DEFAULTS],
		RIVAL_PER_MINUTE,
	),
	budgetScenario(
		'R+rival win',
		{ variant: 'window', timeScale: R_TIME_SCALE },
		[A_DEFAULTS],
		RIVAL_PER_MINUTE,
	),
];
/** Graph's minute under the scenario's budget, in ms. */
export const minuteMsOf = ({ budget }: Scenario) =>
	60_000 / (budget?.timeScale ?? GRAPH_BUDGET_DEFAULTS.timeScale);

export const perAppPerMinute = ({ budget }: Scenario) =>
	budget?.perAppPerMinute ?? GRAPH_BUDGET_DEFAULTS.perAppPerMinute;

/**
 * The least time the budget allows N items: the first minute's requests at once (the app's 200), the rest at
 * the rate the budget leaves the app (its 200, or what a rival leaves of the tenant's 300, if less).
 */
export function scenarioFloorMs(scenario: Scenario, items: number): number {
	const perTenant = scenario.budget?.perTenantPerMinute ?? GRAPH_BUDGET_DEFAULTS.perTenantPerMinute;
	return budgetFloorMs(items, {
		perAppPerMinute: perAppPerMinute(scenario),
		ratePerMinute: Math.min(perAppPerMinute(scenario), perTenant - (scenario.rivalPerMinute ?? 0)),
		timeScale: scenario.budget?.timeScale,
	});
}

/** At real time, 200 a minute: 1,000 items take about 5 minutes. */
export const SCENARIO_R_REAL_TIME = budgetScenario(
	'R cont ×1',
	{ variant: 'continuous', timeScale: 1 },
	[A_DEFAULTS],
);

/** A row of the scaling section: way and operation at one item count. */
export interface ScalingCase {
	way: Way;
	operation: Operation;
	n: number;
}

/**
 * (a) with and without Batching at every count; the rows that tell the node's share from n8n's (the flow as a
 * constant, the legacy expression engine, Edit Fields) at the two largest, which the targets compare.
 */
export function scalingCases(counts: number[]): ScalingCase[] {
	const atTargetSizes = (way: Way, operation: Operation) =>
		counts.slice(-2).map((n) => ({ way, n, operation }));
	return [
		...[A_DEFAULTS, A_BATCHING].flatMap((way) =>
			counts.map((n) => ({ way, n, operation: SET_STEP })),
		),
		...atTargetSizes(A_ONE_FLOW, SET_STEP_ONE_FLOW),
		...atTargetSizes(A_BATCHING_ONE_FLOW, SET_STEP_ONE_FLOW),
		...atTargetSizes(A_LEGACY_EXPRESSIONS, SET_STEP),
		...atTargetSizes(EDIT_FIELDS, SET_STEP),
	];
}
