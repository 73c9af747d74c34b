import { updateDisplayOptions, type IDataObject, type INodeProperties } from 'n8n-workflow';

import { resolveConnectorId } from '../../helpers/locators';
import type { OperationExecute } from '../../helpers/nodeRun';
import { apiConnectorLocator, flowKind, step, userFlowLocator } from '../common.descriptions';
import { checkFirstOption } from './options';
import { changeStep, resolveFlowStep } from './steps';

const properties: INodeProperties[] = [
	flowKind,
	userFlowLocator,
	step,
	apiConnectorLocator({ description: 'The API connector to call at this step' }),
	checkFirstOption,
];

const displayOptions = {
	show: { resource: ['apiConnectorConfiguration'], operation: ['setStep'] },
};

export const description = updateDisplayOptions(displayOptions, properties);

export const execute: OperationExecute<IDataObject> = async function (run, itemIndex) {
	const { flow, step } = await resolveFlowStep(run, itemIndex);
	const connectorId = await resolveConnectorId(run, itemIndex);
	return await changeStep(run, itemIndex, { flow, step, connectorId });
};
