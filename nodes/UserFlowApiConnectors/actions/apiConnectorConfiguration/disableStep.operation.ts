import { updateDisplayOptions, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import { changeStep } from '../../helpers/configuration';
import { resolveFlow } from '../../helpers/locators';
import { requireStep } from '../../helpers/validation';
import { flowKind, step, userFlowLocator } from '../common.descriptions';
import { checkFirstOption } from './options';

const properties: INodeProperties[] = [flowKind, userFlowLocator, step, checkFirstOption];

const displayOptions = { show: { resource: ['apiConnectorConfiguration'], operation: ['disableStep'] } };

export const description = updateDisplayOptions(displayOptions, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const { kind, flowId } = await resolveFlow(this, itemIndex);
	const stepName = requireStep(this, itemIndex, this.getNodeParameter('step', itemIndex), kind);
	const readFirst = this.getNodeParameter('options.checkCurrentStep', itemIndex, false) as boolean;
	return await changeStep(this, itemIndex, { kind, flowId, step: stepName, connectorId: null, readFirst });
}
