// What `npm run bench` measures: the operations (one Graph request per item), the ways of sending them, the
// scenarios of the table and the item counts of the scaling rows.
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
	| { label: string; kind: 'bare'; keepAlive: boolean }
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
const B_BATCHING: Way = {
	label: '(b) HTTP Request, batching 100/1 s',
	kind: 'http',
	options: { batching: { batch: { batchSize: 100, batchInterval: 1000 } } },
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

export interface Scenario {
	name: string;
	latencyMs: number;
	throttle?: { requests: number; windowMs: number };
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

export const SCENARIO_T: Scenario = {
	name: 'T 100/s',
	latencyMs: 20,
	throttle: { requests: 100, windowMs: 1000 },
	cases: [{ operation: SET_STEP, ways: [A_DEFAULTS, A_BATCHING, B_DEFAULTS, B_BATCHING, C_FLOOR] }],
};

export const SCENARIOS = [SCENARIO_L, SCENARIO_T];

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
