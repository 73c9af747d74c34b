import { updateDisplayOptions, type IDataObject, type INodeProperties } from 'n8n-workflow';

import { resolveFlowTarget } from '../../helpers/locators';
import type { OperationExecute } from '../../helpers/nodeRun';
import { flowKind, userFlowLocator } from '../common.descriptions';
import { readConfiguration } from './steps';

const properties: INodeProperties[] = [flowKind, userFlowLocator];

const displayOptions = { show: { resource: ['apiConnectorConfiguration'], operation: ['get'] } };

export const description = updateDisplayOptions(displayOptions, properties);

/** One item per flow: every step of the flow kind with its API connector, or null when the step is off. */
export const execute: OperationExecute<IDataObject> = async function (run, itemIndex) {
	const flow = await resolveFlowTarget(run, itemIndex);
	const configuration = await readConfiguration(run.graph, itemIndex, flow);
	return { userFlowId: flow.flowId, flowKind: flow.kind, ...configuration };
};
