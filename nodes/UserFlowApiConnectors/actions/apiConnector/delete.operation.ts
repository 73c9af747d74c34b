import {
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeProperties,
} from 'n8n-workflow';

import { resolveConnectorId } from '../../helpers/locators';
import { graphPath, graphRequest } from '../../transport';
import { apiConnectorLocator } from '../common.descriptions';

const properties: INodeProperties[] = [apiConnectorLocator()];

export const description = updateDisplayOptions(
	{ show: { resource: ['apiConnector'], operation: ['delete'] } },
	properties,
);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const connectorId = await resolveConnectorId(this, itemIndex);
	await graphRequest.call(this, {
		method: 'DELETE',
		path: graphPath`/identity/apiConnectors/${connectorId}`,
		itemIndex,
	});
	return { apiConnectorId: connectorId, deleted: true };
}
