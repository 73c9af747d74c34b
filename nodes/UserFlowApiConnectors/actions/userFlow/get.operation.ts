import {
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeProperties,
} from 'n8n-workflow';

import { withoutAnnotations } from '../../helpers/configuration';
import { FLOW_KINDS } from '../../helpers/flowKinds';
import { resolveFlow } from '../../helpers/locators';
import { graphPath, graphRequest } from '../../transport';
import { flowKind, userFlowLocator } from '../common.descriptions';

const properties: INodeProperties[] = [flowKind, userFlowLocator];

const displayOptions = { show: { resource: ['userFlow'], operation: ['get'] } };

export const description = updateDisplayOptions(displayOptions, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const { kind, flowId } = await resolveFlow(this, itemIndex);
	const { body } = await graphRequest.call(this, {
		method: 'GET',
		path: graphPath`/identity/${FLOW_KINDS[kind].collection}/${flowId}`,
		itemIndex,
	});
	return withoutAnnotations(body);
}
