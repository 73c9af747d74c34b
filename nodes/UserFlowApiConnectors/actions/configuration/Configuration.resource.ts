import type { INodeProperties } from 'n8n-workflow';

import * as apply from './apply.operation';
import * as exportConfiguration from './export.operation';
import * as plan from './plan.operation';

export { apply, exportConfiguration as export, plan };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['configuration'] } },
		options: [
			{
				name: 'Apply',
				value: 'apply',
				description:
					'Make the changes of an approved plan (refused if the tenant changed since), or plan and apply at once',
				action: 'Apply a configuration plan',
			},
			{
				name: 'Export',
				value: 'export',
				description: 'Read the API connectors and user flows into one configuration document',
				action: 'Export the configuration',
			},
			{
				name: 'Plan',
				value: 'plan',
				description: 'Compare a configuration document with the tenant and list the changes',
				action: 'Plan configuration changes',
			},
		],
		default: 'export',
	},
	...exportConfiguration.description,
	...plan.description,
	...apply.description,
];
