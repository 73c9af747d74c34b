import { updateDisplayOptions, type IDataObject, type INodeProperties } from 'n8n-workflow';

import { resolveConnectorId } from '../../helpers/locators';
import type { OperationExecute } from '../../helpers/nodeRun';
import { apiConnectorLocator } from '../common.descriptions';
import { readConnector } from './connector';

const properties: INodeProperties[] = [apiConnectorLocator()];

export const description = updateDisplayOptions(
	{ show: { resource: ['apiConnector'], operation: ['get'] } },
	properties,
);

export const execute: OperationExecute<IDataObject> = async function (run, itemIndex) {
	return await readConnector(run.graph, itemIndex, await resolveConnectorId(run, itemIndex));
};
