import { NodeOperationError, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';

import { FLOW_KINDS, type FlowKind } from '../../helpers/flowKinds';

/* The fields of a new user flow, checked as Graph takes them. */

export function requireFlowType(
	context: IExecuteFunctions,
	itemIndex: number,
	kind: FlowKind,
): string {
	const value = String(context.getNodeParameter('userFlowType', itemIndex));
	if (!FLOW_KINDS[kind].flowTypes.includes(value)) {
		throw new NodeOperationError(
			context.getNode(),
			`${FLOW_KINDS[kind].displayName} user flows cannot have the type "${value}"`,
			{
				itemIndex,
				description: `Use one of: ${FLOW_KINDS[kind].flowTypes.join(', ')}.`,
			},
		);
	}
	return value;
}

export function requireFlowTypeVersion(context: IExecuteFunctions, itemIndex: number): number {
	const value = Number(context.getNodeParameter('userFlowTypeVersion', itemIndex));
	if (!Number.isInteger(value) || value < 1) {
		throw new NodeOperationError(
			context.getNode(),
			`User Flow Type Version must be a whole number from 1, got "${String(value)}"`,
			{
				itemIndex,
			},
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
