import {
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeProperties,
} from 'n8n-workflow';

import { resolveFlowTarget } from '../../helpers/locators';
import type { NodeRun } from '../../helpers/nodeRun';
import { requireStep } from '../../helpers/validation';
import { flowKind, step, userFlowLocator } from '../common.descriptions';
import { checkFirstOption } from './options';
import { changeStep } from './steps';

const properties: INodeProperties[] = [flowKind, userFlowLocator, step, checkFirstOption];

const displayOptions = {
	show: { resource: ['apiConnectorConfiguration'], operation: ['disableStep'] },
};

export const description = updateDisplayOptions(displayOptions, properties);

export async function execute(
	this: IExecuteFunctions,
	run: NodeRun,
	itemIndex: number,
): Promise<IDataObject> {
	const flow = await resolveFlowTarget(run, itemIndex);
	const stepName = requireStep(
		this.getNode(),
		itemIndex,
		run.parameters.get('step', itemIndex),
		flow.kind,
	);
	return await changeStep(run, itemIndex, { flow, step: stepName, connectorId: null });
}
