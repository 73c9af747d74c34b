import type { INodeProperties } from 'n8n-workflow';

import * as create from './create.operation';
import * as deleteUserFlow from './delete.operation';
import * as get from './get.operation';
import * as getAll from './getAll.operation';

export { create, deleteUserFlow as delete, get, getAll };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['userFlow'] } },
		options: [
			{
				name: 'Create',
				value: 'create',
				description: 'Create a user flow',
				action: 'Create a user flow',
			},
			{
				name: 'Delete',
				value: 'delete',
				description: 'Delete a user flow',
				action: 'Delete a user flow',
			},
			{ name: 'Get', value: 'get', description: 'Get a user flow', action: 'Get a user flow' },
			{
				name: 'Get Many',
				value: 'getAll',
				description: 'List user flows',
				action: 'Get many user flows',
			},
		],
		default: 'get',
	},
	...create.description,
	...get.description,
	...getAll.description,
	...deleteUserFlow.description,
];
