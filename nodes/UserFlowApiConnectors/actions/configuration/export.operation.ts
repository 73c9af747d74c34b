import { updateDisplayOptions, type IDataObject, type INodeProperties } from 'n8n-workflow';

import { resolveFlowKind } from '../../helpers/locators';
import type { OperationExecute } from '../../helpers/nodeRun';
import { flowKind } from '../common.descriptions';
import { documentOf, readTenant } from './tenant';

const properties: INodeProperties[] = [flowKind];

const displayOptions = { show: { resource: ['configuration'], operation: ['export'] } };

export const description = updateDisplayOptions(displayOptions, properties);

/** The tenant's connectors and flows of one kind as a version 1 document, and the requests it took. */
export const execute: OperationExecute<IDataObject> = async function (run, itemIndex) {
	const kind = await resolveFlowKind(
		run.graph,
		itemIndex,
		this.getNodeParameter('flowKind', itemIndex),
	);
	const reading = await readTenant(run.graph, itemIndex, kind);
	return {
		document: documentOf(run.graph, itemIndex, reading) as unknown as IDataObject,
		requests: reading.requests,
	};
};
