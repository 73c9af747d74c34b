import { updateDisplayOptions, type IDataObject, type INodeProperties } from 'n8n-workflow';

import { FLOW_KINDS } from '../../helpers/flowKinds';
import { resolveFlowKind } from '../../helpers/locators';
import type { OperationExecute } from '../../helpers/nodeRun';
import { withoutAnnotations } from '../../helpers/odata';
import { graphPath } from '../../transport';
import { flowKind, limitProperties, readLimit } from '../common.descriptions';

const properties: INodeProperties[] = [flowKind, ...limitProperties];

const displayOptions = { show: { resource: ['userFlow'], operation: ['getAll'] } };

export const description = updateDisplayOptions(displayOptions, properties);

export const execute: OperationExecute<IDataObject[]> = async function (run, itemIndex) {
	const kind = await resolveFlowKind(
		run.graph,
		itemIndex,
		this.getNodeParameter('flowKind', itemIndex),
	);
	const flows = await run.graph.requestAllItems(
		{ method: 'GET', path: graphPath`/identity/${FLOW_KINDS[kind].collection}`, itemIndex },
		readLimit(this, itemIndex),
	);
	return flows.map(withoutAnnotations);
};
