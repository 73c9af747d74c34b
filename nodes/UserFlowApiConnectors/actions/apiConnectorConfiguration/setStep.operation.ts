import {
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeProperties,
} from 'n8n-workflow';

import { changeStep } from '../../helpers/configuration';
import { resolveConnectorId, resolveFlow } from '../../helpers/locators';
import { itemParameter } from '../../helpers/parameters';
import { requireStep } from '../../helpers/validation';
import { apiConnectorLocator, flowKind, step, userFlowLocator } from '../common.descriptions';
import { checkFirstOption } from './options';

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

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const { kind, flowId } = await resolveFlow(this, itemIndex);
	const stepName = requireStep(this, itemIndex, itemParameter(this, 'step', itemIndex), kind);
	const connectorId = await resolveConnectorId(this, itemIndex);
	const readFirst = itemParameter(this, 'options.checkCurrentStep', itemIndex, false);
	return await changeStep(this, itemIndex, {
		kind,
		flowId,
		step: stepName,
		connectorId,
		readFirst,
	});
}
