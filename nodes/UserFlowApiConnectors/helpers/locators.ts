import {
	NodeOperationError,
	type IExecuteFunctions,
	type INodeParameterResourceLocator,
} from 'n8n-workflow';

import { getGraphConnection } from '../transport';
import { FLOW_KINDS, type FlowKind } from './flowKinds';
import { itemParameter } from './parameters';
import { requireConnectorId, requireExistingFlowId, requireFlowKind } from './validation';

/** Reads a resource locator parameter; an expression may also give a plain string, taken as an ID. */
function readLocator(
	context: IExecuteFunctions,
	name: string,
	itemIndex: number,
): { mode: string; value: unknown } {
	const raw = itemParameter<INodeParameterResourceLocator | string>(context, name, itemIndex);
	if (typeof raw === 'object' && raw !== null && 'mode' in raw)
		return { mode: raw.mode, value: raw.value };
	return { mode: 'id', value: raw };
}

/**
 * Takes the ID out of a Graph URL of the configured Graph host, in either of Graph's forms:
 * .../identity/{collection}/{id} or .../identity/{collection}('{id}').
 */
async function idFromGraphUrl(
	context: IExecuteFunctions,
	itemIndex: number,
	value: unknown,
	collection: string,
	what: string,
): Promise<string> {
	const text = typeof value === 'string' ? value.trim() : '';
	const { endpoints } = await getGraphConnection.call(context);
	let url: URL | undefined;
	try {
		url = new URL(text);
	} catch {
		url = undefined;
	}
	const example = `${endpoints.graphBaseUrl}/identity/${collection}/…`;
	if (!url) {
		throw new NodeOperationError(
			context.getNode(),
			`"${text.slice(0, 120)}" is not a URL of ${what}`,
			{
				itemIndex,
				description: `Enter a URL such as ${example}`,
			},
		);
	}
	if (url.origin !== endpoints.graphOrigin) {
		throw new NodeOperationError(
			context.getNode(),
			`The URL of ${what} must be on ${endpoints.graphOrigin}, not ${url.origin}`,
			{
				itemIndex,
				description: `Only URLs of the Graph host configured in the credential are accepted, such as ${example}`,
			},
		);
	}
	const match = new RegExp(`/identity/${collection}(?:/([^/]+)|\\('([^']+)'\\))/?$`).exec(
		url.pathname,
	);
	if (!match) {
		throw new NodeOperationError(
			context.getNode(),
			`"${text.slice(0, 120)}" does not point to ${what}`,
			{
				itemIndex,
				description: `Enter a URL such as ${example}`,
			},
		);
	}
	try {
		return decodeURIComponent(match[1] ?? match[2]);
	} catch {
		throw new NodeOperationError(
			context.getNode(),
			`"${text.slice(0, 120)}" is not a well-formed URL`,
			{ itemIndex },
		);
	}
}

export async function resolveUserFlowId(
	context: IExecuteFunctions,
	itemIndex: number,
	kind: FlowKind,
): Promise<string> {
	const { mode, value } = readLocator(context, 'userFlow', itemIndex);
	const id =
		mode === 'url'
			? await idFromGraphUrl(context, itemIndex, value, FLOW_KINDS[kind].collection, 'a user flow')
			: value;
	return requireExistingFlowId(context, itemIndex, id, kind);
}

export async function resolveConnectorId(
	context: IExecuteFunctions,
	itemIndex: number,
	parameter = 'apiConnector',
): Promise<string> {
	const { mode, value } = readLocator(context, parameter, itemIndex);
	const id =
		mode === 'url'
			? await idFromGraphUrl(context, itemIndex, value, 'apiConnectors', 'an API connector')
			: value;
	return requireConnectorId(context, itemIndex, id);
}

/** The flow kind (checked against the credential's Graph version) and the flow's full ID. */
export async function resolveFlow(
	context: IExecuteFunctions,
	itemIndex: number,
): Promise<{ kind: FlowKind; flowId: string }> {
	const { endpoints } = await getGraphConnection.call(context);
	const kind = requireFlowKind(
		context,
		itemIndex,
		itemParameter(context, 'flowKind', itemIndex),
		endpoints.graphVersion,
	);
	return { kind, flowId: await resolveUserFlowId(context, itemIndex, kind) };
}
