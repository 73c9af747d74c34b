import {
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeProperties,
} from 'n8n-workflow';

import { resolveConnectorId } from '../../helpers/locators';
import type { NodeRun } from '../../helpers/nodeRun';
import { apiConnectorLocator } from '../common.descriptions';
import { readConnector } from './connector';

const properties: INodeProperties[] = [apiConnectorLocator()];

export const description = updateDisplayOptions(
	{ show: { resource: ['apiConnector'], operation: ['get'] } },
	properties,
);

export async function execute(
	this: IExecuteFunctions,
	run: NodeRun,
	itemIndex: number,
): Promise<IDataObject> {
	return await readConnector(run.graph, itemIndex, await resolveConnectorId(run, itemIndex));
}
