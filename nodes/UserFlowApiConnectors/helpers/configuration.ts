import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { getGraphConnection, graphPath, graphRequest } from '../transport';
import { FLOW_KINDS, type ConnectorStep, type FlowKind } from './flowKinds';

export type StepConfiguration = Partial<Record<ConnectorStep, IDataObject | null>>;

/** Graph's OData annotations (@odata.context and friends) mean nothing to a workflow. */
export function withoutAnnotations(entity: IDataObject): IDataObject {
	return Object.fromEntries(Object.entries(entity).filter(([key]) => !key.includes('@odata.')));
}

/** GET apiConnectorConfiguration with the steps expanded: each step's connector, or null when off. */
export async function readConfiguration(
	context: IExecuteFunctions,
	itemIndex: number,
	kind: FlowKind,
	flowId: string,
	steps: readonly ConnectorStep[] = FLOW_KINDS[kind].steps,
): Promise<StepConfiguration> {
	const { body } = await graphRequest.call(context, {
		method: 'GET',
		path: graphPath`/identity/${FLOW_KINDS[kind].collection}/${flowId}/apiConnectorConfiguration`,
		qs: { $expand: steps.join(',') },
		itemIndex,
	});
	return Object.fromEntries(
		steps.map((step) => {
			const connector = body[step];
			return [
				step,
				connector && typeof connector === 'object'
					? withoutAnnotations(connector as IDataObject)
					: null,
			];
		}),
	);
}

/** PUT {step}/$ref: a reference to the connector enables the step, {} disables it (204 either way). */
export async function writeStep(
	context: IExecuteFunctions,
	itemIndex: number,
	kind: FlowKind,
	flowId: string,
	step: ConnectorStep,
	connectorId: string | null,
): Promise<void> {
	const { endpoints } = await getGraphConnection.call(context);
	await graphRequest.call(context, {
		method: 'PUT',
		path: graphPath`/identity/${FLOW_KINDS[kind].collection}/${flowId}/apiConnectorConfiguration/${step}/$ref`,
		body:
			connectorId === null
				? {}
				: { '@odata.id': connectorReference(endpoints.graphBaseUrl, connectorId) },
		itemIndex,
	});
}

export function connectorReference(graphBaseUrl: string, connectorId: string): string {
	return `${graphBaseUrl}${graphPath`/identity/apiConnectors/${connectorId}`}`;
}

/**
 * Enables (connectorId) or disables (null) one step: Graph's one PUT, or with readFirst a GET before it, so
 * the output says what the step was and an unchanged step is not written again.
 */
export async function changeStep(
	context: IExecuteFunctions,
	itemIndex: number,
	target: {
		kind: FlowKind;
		flowId: string;
		step: ConnectorStep;
		connectorId: string | null;
		readFirst: boolean;
	},
): Promise<IDataObject> {
	const { kind, flowId, step, connectorId, readFirst } = target;
	const result: IDataObject = {
		userFlowId: flowId,
		flowKind: kind,
		step,
		apiConnectorId: connectorId,
	};
	let changed = true;
	if (readFirst) {
		const previous =
			(await readConfiguration(context, itemIndex, kind, flowId, [step]))[step] ?? null;
		const previousId = previous ? String(previous.id ?? '').toLowerCase() : null;
		result.previousApiConnectorId = previousId;
		result.previousApiConnector = previous;
		changed = previousId !== connectorId;
	}
	if (changed) await writeStep(context, itemIndex, kind, flowId, step, connectorId);
	result.changed = changed;
	return result;
}
