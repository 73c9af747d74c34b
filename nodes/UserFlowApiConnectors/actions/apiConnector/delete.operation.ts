import { updateDisplayOptions, type IDataObject, type INodeProperties } from 'n8n-workflow';

import { resolveConnectorId } from '../../helpers/locators';
import type { OperationExecute } from '../../helpers/nodeRun';
import { graphPath } from '../../transport';
import { apiConnectorLocator } from '../common.descriptions';

const properties: INodeProperties[] = [apiConnectorLocator()];

export const description = updateDisplayOptions(
	{ show: { resource: ['apiConnector'], operation: ['delete'] } },
	properties,
);

export const execute: OperationExecute<IDataObject> = async function (run, itemIndex) {
	const connectorId = await resolveConnectorId(run, itemIndex);
	await run.graph.request({
		method: 'DELETE',
		path: graphPath`/identity/apiConnectors/${connectorId}`,
		itemIndex,
	});
	return { apiConnectorId: connectorId, deleted: true };
};
