import { updateDisplayOptions, type IDataObject, type INodeProperties } from 'n8n-workflow';

import type { OperationExecute } from '../../helpers/nodeRun';
import { flowKind, step, userFlowLocator } from '../common.descriptions';
import { checkFirstOption } from './options';
import { changeStep, resolveFlowStep } from './steps';

const properties: INodeProperties[] = [flowKind, userFlowLocator, step, checkFirstOption];

const displayOptions = {
	show: { resource: ['apiConnectorConfiguration'], operation: ['disableStep'] },
};

export const description = updateDisplayOptions(displayOptions, properties);

export const execute: OperationExecute<IDataObject> = async function (run, itemIndex) {
	const { flow, step } = await resolveFlowStep(run, itemIndex);
	return await changeStep(run, itemIndex, { flow, step, connectorId: null });
};
