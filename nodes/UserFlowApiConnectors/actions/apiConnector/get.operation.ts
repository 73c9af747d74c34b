import {
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeProperties,
} from 'n8n-workflow';

import { formatConnector } from '../../helpers/connectors';
import { resolveConnectorId } from '../../helpers/locators';
import { graphPath, graphRequest } from '../../transport';
import { apiConnectorLocator } from '../common.descriptions';

const properties: INodeProperties[] = [apiConnectorLocator()];

export const description = updateDisplayOptions(
	{ show: { resource: ['apiConnector'], operation: ['get'] } },
	properties,
);

export async function readConnector(
	context: IExecuteFunctions,
	itemIndex: number,
	connectorId: string,
): Promise<IDataObject> {
	const { body } = await graphRequest.call(context, {
		method: 'GET',
		path: graphPath`/identity/apiConnectors/${connectorId}`,
		itemIndex,
	});
	return formatConnector(body);
}

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	return await readConnector(this, itemIndex, await resolveConnectorId(this, itemIndex));
}
