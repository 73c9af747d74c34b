import type { INodeProperties } from 'n8n-workflow';

import * as create from './create.operation';
import * as deleteApiConnector from './delete.operation';
import * as get from './get.operation';
import * as getAll from './getAll.operation';
import * as update from './update.operation';
import * as uploadClientCertificate from './uploadClientCertificate.operation';

export { create, deleteApiConnector as delete, get, getAll, update, uploadClientCertificate };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['apiConnector'] } },
		options: [
			{
				name: 'Create',
				value: 'create',
				description: 'Create an API connector',
				action: 'Create an API connector',
			},
			{
				name: 'Delete',
				value: 'delete',
				description: 'Delete an API connector',
				action: 'Delete an API connector',
			},
			{
				name: 'Get',
				value: 'get',
				description: 'Get an API connector',
				action: 'Get an API connector',
			},
			{
				name: 'Get Many',
				value: 'getAll',
				description: 'List API connectors',
				action: 'Get many API connectors',
			},
			{
				name: 'Update',
				value: 'update',
				description: 'Change an API connector',
				action: 'Update an API connector',
			},
			{
				name: 'Upload Client Certificate',
				value: 'uploadClientCertificate',
				description: 'Add a .pfx client certificate to an API connector',
				action: 'Upload a client certificate to an API connector',
			},
		],
		default: 'getAll',
	},
	...create.description,
	...get.description,
	...getAll.description,
	...update.description,
	...uploadClientCertificate.description,
	...deleteApiConnector.description,
];
