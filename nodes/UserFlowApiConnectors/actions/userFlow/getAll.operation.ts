import {
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeProperties,
} from 'n8n-workflow';

import { withoutAnnotations } from '../../helpers/configuration';
import { FLOW_KINDS } from '../../helpers/flowKinds';
import { requireFlowKind } from '../../helpers/validation';
import { getGraphConnection, graphPath, graphRequestAllItems } from '../../transport';
import { flowKind, limitProperties, readLimit } from '../common.descriptions';

const properties: INodeProperties[] = [flowKind, ...limitProperties];

const displayOptions = { show: { resource: ['userFlow'], operation: ['getAll'] } };

export const description = updateDisplayOptions(displayOptions, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const { endpoints } = await getGraphConnection.call(this);
	const kind = requireFlowKind(
		this,
		itemIndex,
		this.getNodeParameter('flowKind', itemIndex),
		endpoints.graphVersion,
	);
	const flows = await graphRequestAllItems.call(
		this,
		{ method: 'GET', path: graphPath`/identity/${FLOW_KINDS[kind].collection}`, itemIndex },
		{ limit: readLimit(this, itemIndex) },
	);
	return flows.map(withoutAnnotations);
}
