import {
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeProperties,
} from 'n8n-workflow';

import { readConfiguration } from '../../helpers/configuration';
import { resolveFlow } from '../../helpers/locators';
import { flowKind, userFlowLocator } from '../common.descriptions';

const properties: INodeProperties[] = [flowKind, userFlowLocator];

const displayOptions = { show: { resource: ['apiConnectorConfiguration'], operation: ['get'] } };

export const description = updateDisplayOptions(displayOptions, properties);

/** One item per flow: every step of the flow kind with its API connector, or null when the step is off. */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const { kind, flowId } = await resolveFlow(this, itemIndex);
	const configuration = await readConfiguration(this, itemIndex, kind, flowId);
	return { userFlowId: flowId, flowKind: kind, ...configuration };
}
