import type { INodeProperties } from 'n8n-workflow';

import * as disableStep from './disableStep.operation';
import * as get from './get.operation';
import * as setStep from './setStep.operation';

export { disableStep, get, setStep };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['apiConnectorConfiguration'] } },
		options: [
			{
				name: 'Disable Step',
				value: 'disableStep',
				description: 'Stop calling an API connector at a step of a user flow',
				action: 'Disable the API connector of a user flow step',
			},
			{
				name: 'Get',
				value: 'get',
				description: 'Get the API connector of every step of a user flow',
				action: 'Get the API connector configuration of a user flow',
			},
			{
				name: 'Set Step',
				value: 'setStep',
				description: 'Call an API connector at a step of a user flow',
				action: 'Set the API connector of a user flow step',
			},
		],
		default: 'get',
	},
	...get.description,
	...setStep.description,
	...disableStep.description,
];
