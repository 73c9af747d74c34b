import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
	type NodeApiError,
} from 'n8n-workflow';

import { FLOW_KINDS, type FlowKind } from '../../helpers/flowKinds';
import { graphPath, type GraphClient } from '../../transport';

/* The fields of a new user flow, checked as Graph takes them. */

/** The flow type, as User Flow > Create and a configuration document give it. */
export function requireFlowType(
	node: INode,
	itemIndex: number,
	kind: FlowKind,
	given: unknown,
): string {
	const value = String(given);
	if (!FLOW_KINDS[kind].flowTypes.includes(value)) {
		throw new NodeOperationError(
			node,
			`${FLOW_KINDS[kind].displayName} user flows cannot have the type "${value}"`,
			{
				itemIndex,
				description: `Use one of: ${FLOW_KINDS[kind].flowTypes.join(', ')}.`,
			},
		);
	}
	return value;
}

/**
 * The flow type versions a kind can have, where the kind fixes them: External ID self-service sign-up flows
 * have version 1 only. B2C flow types have several versions (1, 2, 3 for recommended flows): Graph decides.
 */
const FLOW_TYPE_VERSIONS: Partial<Record<FlowKind, readonly number[]>> = { b2x: [1] };

export function requireFlowTypeVersion(
	node: INode,
	itemIndex: number,
	kind: FlowKind,
	given: unknown,
): number {
	const value = Number(given);
	if (!Number.isInteger(value) || value < 1) {
		throw new NodeOperationError(
			node,
			`User Flow Type Version must be a whole number from 1, got "${String(value)}"`,
			{
				itemIndex,
			},
		);
	}
	const versions = FLOW_TYPE_VERSIONS[kind];
	if (versions && !versions.includes(value)) {
		throw new NodeOperationError(
			node,
			`${FLOW_KINDS[kind].displayName} user flows cannot have the type version ${value}`,
			{ itemIndex, description: `Use ${versions.join(', ')}.` },
		);
	}
	return value;
}

export function identityProviders(
	context: IExecuteFunctions,
	itemIndex: number,
	fields: IDataObject,
): IDataObject[] {
	const providers =
		((fields.identityProviders as IDataObject | undefined)?.provider as
			| IDataObject[]
			| undefined) ?? [];
	return providers.map((provider, index) => {
		const id = String(provider.id ?? '').trim();
		if (!id) {
			throw new NodeOperationError(context.getNode(), `Identity provider ${index + 1} has no ID`, {
				itemIndex,
				description: 'Enter the identity provider ID, for example Facebook-OAuth.',
			});
		}
		// Only what the user filled in: Graph identifies the provider by its ID.
		return Object.fromEntries(
			Object.entries({ id, type: provider.type, name: provider.name }).filter(
				([, value]) => value !== undefined && value !== '',
			),
		) as IDataObject;
	});
}

/** Fails before the flow is created when a connector to link names nothing in the tenant. */
export async function requireExistingConnector(
	graph: GraphClient,
	node: INode,
	itemIndex: number,
	step: string,
	connectorId: string,
): Promise<void> {
	await graph
		.request({ method: 'GET', path: graphPath`/identity/apiConnectors/${connectorId}`, itemIndex })
		.catch((error: NodeApiError) => {
			const missing = error.httpCode === '404';
			throw new NodeOperationError(
				node,
				missing
					? `The API connector ${connectorId} for the ${step} step does not exist in this tenant`
					: `The API connector ${connectorId} for the ${step} step could not be read: ${error.message}`,
				{
					itemIndex,
					description: `The user flow was not created. ${missing ? 'Choose an existing connector (API Connector > Get Many lists them).' : (error.description ?? '')}`,
				},
			);
		});
}
