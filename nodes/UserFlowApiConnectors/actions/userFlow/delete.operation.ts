import { updateDisplayOptions, type IDataObject, type INodeProperties } from 'n8n-workflow';

import { flowPath, resolveFlowTarget } from '../../helpers/locators';
import type { OperationExecute } from '../../helpers/nodeRun';
import { flowKind, userFlowLocator } from '../common.descriptions';

const properties: INodeProperties[] = [flowKind, userFlowLocator];

const displayOptions = { show: { resource: ['userFlow'], operation: ['delete'] } };

export const description = updateDisplayOptions(displayOptions, properties);

export const execute: OperationExecute<IDataObject> = async function (run, itemIndex) {
	const flow = await resolveFlowTarget(run, itemIndex);
	await run.graph.request({ method: 'DELETE', path: flowPath(flow), itemIndex });
	return { userFlowId: flow.flowId, flowKind: flow.kind, deleted: true };
};
