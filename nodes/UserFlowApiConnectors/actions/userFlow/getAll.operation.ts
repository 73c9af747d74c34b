import { updateDisplayOptions, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import { withoutAnnotations } from '../../helpers/configuration';
import { FLOW_KINDS } from '../../helpers/flowKinds';
import { requireFlowKind } from '../../helpers/validation';
import { getGraphConnection, graphPath, graphRequestAllItems } from '../../transport';
import { flowKind } from '../common.descriptions';

const properties: INodeProperties[] = [
	flowKind,
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { returnAll: [false] } },
	},
];

const displayOptions = { show: { resource: ['userFlow'], operation: ['getAll'] } };

export const description = updateDisplayOptions(displayOptions, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const { endpoints } = await getGraphConnection.call(this);
	const kind = requireFlowKind(this, itemIndex, this.getNodeParameter('flowKind', itemIndex), endpoints.graphVersion);
	const returnAll = this.getNodeParameter('returnAll', itemIndex) as boolean;
	const limit = returnAll ? undefined : (this.getNodeParameter('limit', itemIndex) as number);
	const flows = await graphRequestAllItems.call(
		this,
		{ method: 'GET', path: graphPath`/identity/${FLOW_KINDS[kind].collection}`, itemIndex },
		{ limit },
	);
	return flows.map(withoutAnnotations);
}
