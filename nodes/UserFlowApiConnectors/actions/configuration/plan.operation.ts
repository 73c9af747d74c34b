import { updateDisplayOptions, type IDataObject, type INodeProperties } from 'n8n-workflow';

import type { OperationExecute } from '../../helpers/nodeRun';
import {
	desiredStateProperties,
	planDocument,
	planOutput,
	readDocumentInput,
	readPlanOptions,
} from './desiredState';

const show = { resource: ['configuration'], operation: ['plan'] };

export const description: INodeProperties[] = updateDisplayOptions(
	{ show },
	desiredStateProperties({}),
);

/** Reads only: the changes Apply would make, with the fingerprint Apply checks. */
export const execute: OperationExecute<IDataObject> = async function (run, itemIndex) {
	const document = readDocumentInput(this, itemIndex);
	return planOutput(
		await planDocument(this, run, itemIndex, document, readPlanOptions(this, itemIndex)),
	);
};
