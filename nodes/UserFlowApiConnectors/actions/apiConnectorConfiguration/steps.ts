import type { IDataObject } from 'n8n-workflow';

import { FLOW_KINDS, type ConnectorStep } from '../../helpers/flowKinds';
import { flowPath, resolveFlowTarget, type FlowTarget } from '../../helpers/locators';
import type { NodeRun } from '../../helpers/nodeRun';
import { withoutAnnotations } from '../../helpers/odata';
import { requireStep } from '../../helpers/validation';
import { graphPath, type GraphClient } from '../../transport';

/*
 * A flow's API connector configuration, in Graph's calls: read with the steps expanded, and one step linked
 * or unlinked with PUT {step}/$ref. User Flow > Create links connectors with the same calls.
 */

export type StepConfiguration = Partial<Record<ConnectorStep, IDataObject | null>>;

/** The item's flow and step (Set Step and Disable Step): a step the flow kind lacks is refused here. */
export async function resolveFlowStep(
	run: NodeRun,
	itemIndex: number,
): Promise<{ flow: FlowTarget; step: ConnectorStep }> {
	const flow = await resolveFlowTarget(run, itemIndex);
	const value = run.parameters.get('step', itemIndex);
	return { flow, step: requireStep(run.graph.node, itemIndex, value, flow.kind) };
}

/** GET apiConnectorConfiguration with the steps expanded: each step's connector, or null when off. */
export async function readConfiguration(
	graph: GraphClient,
	itemIndex: number,
	flow: FlowTarget,
	steps: readonly ConnectorStep[] = FLOW_KINDS[flow.kind].steps,
): Promise<StepConfiguration> {
	const { body } = await graph.request({
		method: 'GET',
		path: `${flowPath(flow)}/apiConnectorConfiguration`,
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

/** How Graph refers to a connector in a step: its absolute URL below the version root. */
export async function connectorReference(graph: GraphClient, connectorId: string): Promise<string> {
	const { graphBaseUrl } = await graph.endpoints();
	return `${graphBaseUrl}${graphPath`/identity/apiConnectors/${connectorId}`}`;
}

/** PUT {step}/$ref: a reference to the connector enables the step, {} disables it (204 either way). */
export async function writeStep(
	graph: GraphClient,
	itemIndex: number,
	flow: FlowTarget,
	step: ConnectorStep,
	connectorId: string | null,
): Promise<void> {
	const body =
		connectorId === null ? {} : { '@odata.id': await connectorReference(graph, connectorId) };
	await graph.request({
		method: 'PUT',
		path: `${flowPath(flow)}${graphPath`/apiConnectorConfiguration/${step}/$ref`}`,
		body,
		itemIndex,
	});
}

/**
 * Enables (connectorId) or disables (null) one step: Graph's one PUT, or with Check Current Step First a GET
 * before it, so
 the output says what the step was and an unchanged step is not written again.
 */
export async function changeStep(
	{ graph, parameters }: NodeRun,
	itemIndex: number,
	{
		flow,
		step,
		connectorId,
	}: { flow: FlowTarget; step: ConnectorStep; connectorId: string | null },
): Promise<IDataObject> {
	const readFirst = parameters.get('options.checkCurrentStep', itemIndex, false);
	const result: IDataObject = {
		userFlowId: flow.flowId,
		flowKind: flow.kind,
		step,
		apiConnectorId: connectorId,
	};
	let changed = true;
	if (readFirst) {
		const previous = (await readConfiguration(graph, itemIndex, flow, [step]))[step] ?? null;
		const previousId = previous ? String(previous.id ?? '').toLowerCase() : null;
		result.previousApiConnectorId = previousId;
		result.previousApiConnector = previous;
		changed = previousId !== connectorId;
	}
	if (changed) await writeStep(graph, itemIndex, flow, step, connectorId);
	result.changed = changed;
	return result;
}
