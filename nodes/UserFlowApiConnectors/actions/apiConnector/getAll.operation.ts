import {
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeProperties,
} from 'n8n-workflow';

import { formatConnector } from '../../helpers/connectors';
import { graphPath, graphRequestAllItems } from '../../transport';
import { limitProperties, readLimit } from '../common.descriptions';

const properties: INodeProperties[] = [...limitProperties];

export const description = updateDisplayOptions(
	{ show: { resource: ['apiConnector'], operation: ['getAll'] } },
	properties,
);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const connectors = await graphRequestAllItems.call(
		this,
		{ method: 'GET', path: graphPath`/identity/apiConnectors`, itemIndex },
		{ limit: readLimit(this, itemIndex) },
	);
	return connectors.map(formatConnector);
}
