import { NodeOperationError, type INodeParameterResourceLocator } from 'n8n-workflow';

import { graphPath, type GraphClient } from '../transport';
import { FLOW_KINDS, type FlowKind } from './flowKinds';
import type { NodeRun } from './nodeRun';
import { requireConnectorId, requireExistingFlowId, requireFlowKind } from './validation';

/**
 * How n8n's extractValue takes the ID out of a Graph URL, in either of Graph's forms:
 * .../identity/{collection}/{id} or .../identity/{collection}('{id}'), with an optional query.
 */
function graphUrlIdRegex(collection: string): string {
	return `/identity/${collection}(?:/|\\(')([^/?#'()]+)'?\\)?/?(?:[?#]\\S*)?\\s*$`;
}

export const FLOW_URL_ID_REGEX = graphUrlIdRegex('b2[xc]UserFlows');
export const CONNECTOR_URL_ID_REGEX = graphUrlIdRegex('apiConnectors');

interface LocatorTarget {
	/** The parameter's name. */
	name: string;
	/** The Graph collection under /identity the URL must name. */
	collection: string;
	/** "a user flow", for messages. */
	what: string;
}

/**
 * The ID a resource locator names. By ID and From List give it as it is (an expression may also give a plain
 * string, taken as an ID); By URL is n8n's extractValue of a URL, which must be on the credential's Graph host.
 */
async function readLocatorId(
	run: NodeRun,
	itemIndex: number,
	{ name, collection, what }: LocatorTarget,
): Promise<unknown> {
	const locator = run.parameters.get<INodeParameterResourceLocator | string>(name, itemIndex);
	if (typeof locator !== 'object' || locator === null || !('mode' in locator)) return locator;
	if (locator.mode !== 'url') return locator.value;
	const { node } = run.graph;
	const { graphOrigin, graphBaseUrl } = await run.graph.endpoints();
	const text = typeof locator.value === 'string' ? locator.value.trim() : '';
	const quoted = `"${text.slice(0, 120)}"`;
	const exampleUrl = `${graphBaseUrl}/identity/${collection}/…`;
	const example = { itemIndex, description: `Enter a URL such as ${exampleUrl}` };
	if (!URL.canParse(text))
		throw new NodeOperationError(node, `${quoted} is not a URL of ${what}`, example);
	const url = new URL(text);
	if (url.origin !== graphOrigin) {
		throw new NodeOperationError(
			node,
			`The URL of ${what} must be on ${graphOrigin}, not ${url.origin}`,
			{
				itemIndex,
				description: `Only URLs of the Graph host configured in the credential are accepted, such as ${exampleUrl}`,
			},
		);
	}
	let id: unknown;
	try {
		id = run.parameters.extracted(name, itemIndex);
	} catch {
		id = undefined;
	}
	if (typeof id !== 'string' || !url.pathname.includes(`/identity/${collection}`)) {
		throw new NodeOperationError(node, `${quoted} does not point to ${what}`, example);
	}
	try {
		return decodeURIComponent(id);
	} catch {
		throw new NodeOperationError(node, `${quoted} is not a well-formed URL`, { itemIndex });
	}
}

/** A user flow as every flow operation addresses it. */
export interface FlowTarget {
	kind: FlowKind;
	/** The full ID, with its prefix. */
	flowId: string;
}

/** The flow kind of the item, checked against the credential's Graph version. */
export async function resolveFlowKind(
	graph: GraphClient,
	itemIndex: number,
	value: unknown,
): Promise<FlowKind> {
	const { graphVersion } = await graph.endpoints();
	return requireFlowKind(graph.node, itemIndex, value, graphVersion);
}

/** The item's flow kind and User Flow locator, as one flow: "Partner" and "B2X_1_Partner" name the same. */
export async function resolveFlowTarget(run: NodeRun, itemIndex: number): Promise<FlowTarget> {
	const kind = await resolveFlowKind(
		run.graph,
		itemIndex,
		run.parameters.get('flowKind', itemIndex),
	);
	const { collection } = FLOW_KINDS[kind];
	const id = await readLocatorId(run, itemIndex, {
		name: 'userFlow',
		collection,
		what: 'a user flow',
	});
	return { kind, flowId: requireExistingFlowId(run.graph.node, itemIndex, id, kind) };
}

export async function resolveConnectorId(
	run: NodeRun,
	itemIndex: number,
	name = 'apiConnector',
): Promise<string> {
	const target = { name, collection: 'apiConnectors', what: 'an API connector' };
	return requireConnectorId(run.graph.node, itemIndex, await readLocatorId(run, itemIndex, target));
}

/** The flow's path below the version root: /identity/{collection}/{id}. */
export function flowPath({ kind, flowId }: FlowTarget): string {
	return graphPath`/identity/${FLOW_KINDS[kind].collection}/${flowId}`;
}
