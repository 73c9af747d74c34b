import { updateDisplayOptions, type IDataObject, type INodeProperties } from 'n8n-workflow';

import type { OperationExecute } from '../../helpers/nodeRun';
import { graphPath } from '../../transport';
import { limitProperties, readLimit } from '../common.descriptions';
import { formatConnector } from './connector';

const properties: INodeProperties[] = [...limitProperties];

export const description = updateDisplayOptions(
	{ show: { resource: ['apiConnector'], operation: ['getAll'] } },
	properties,
);

export const execute: OperationExecute<IDataObject[]> = async function (run, itemIndex) {
	const connectors = await run.graph.requestAllItems(
		{ method: 'GET', path: graphPath`/identity/apiConnectors`, itemIndex },
		readLimit(this, itemIndex),
	);
	return connectors.map(formatConnector);
};
