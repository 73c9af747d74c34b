import {
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeProperties,
} from 'n8n-workflow';

import { flowPath, resolveFlowTarget } from '../../helpers/locators';
import type { NodeRun } from '../../helpers/nodeRun';
import { withoutAnnotations } from '../../helpers/odata';
import { flowKind, userFlowLocator } from '../common.descriptions';

const properties: INodeProperties[] = [flowKind, userFlowLocator];

const displayOptions = { show: { resource: ['userFlow'], operation: ['get'] } };

export const description = updateDisplayOptions(displayOptions, properties);

export async function execute(
	this: IExecuteFunctions,
	run: NodeRun,
	itemIndex: number,
): Promise<IDataObject> {
	const flow = await resolveFlowTarget(run, itemIndex);
	const { body } = await run.graph.request({ method: 'GET', path: flowPath(flow), itemIndex });
	return withoutAnnotations(body);
}
