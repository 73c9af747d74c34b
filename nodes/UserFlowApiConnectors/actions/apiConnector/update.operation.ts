import {
	NodeOperationError,
	updateDisplayOptions,
	type IDataObject,
	type INodeProperties,
} from 'n8n-workflow';

import { resolveConnectorId } from '../../helpers/locators';
import type { OperationExecute } from '../../helpers/nodeRun';
import { graphPath } from '../../transport';
import { apiConnectorLocator } from '../common.descriptions';
import {
	authenticationProperties,
	readAuthentication,
	type AuthenticationChoice,
} from './authentication';
import { readConnector, requireTargetUrl } from './connector';

const show = { resource: ['apiConnector'], operation: ['update'] };

const properties: INodeProperties[] = [
	apiConnectorLocator(),
	{
		displayName: 'Update Fields',
		name: 'updateFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		options: [
			{ displayName: 'Display Name', name: 'displayName', type: 'string', default: '' },
			{
				displayName: 'Target URL',
				name: 'targetUrl',
				type: 'string',
				default: '',
				placeholder: 'e.g. https://api.contoso.com/signup/validate',
			},
		],
	},
	...authenticationProperties({ keepOption: true }),
];

export const description = updateDisplayOptions({ show }, properties);

/** PATCH only what was given (Graph answers 204), then read the connector back so the item shows the result. */
export const execute: OperationExecute<IDataObject> = async function (run, itemIndex) {
	const connectorId = await resolveConnectorId(run, itemIndex);
	const fields = this.getNodeParameter('updateFields', itemIndex, {}) as IDataObject;
	const changes: IDataObject = {};
	if (fields.displayName !== undefined && fields.displayName !== '')
		changes.displayName = String(fields.displayName).trim();
	if (fields.targetUrl !== undefined && fields.targetUrl !== '')
		changes.targetUrl = requireTargetUrl(this, itemIndex, fields.targetUrl);
	const authenticationType = this.getNodeParameter('authenticationType', itemIndex) as
		| AuthenticationChoice
		| 'unchanged';
	if (authenticationType !== 'unchanged') {
		changes.authenticationConfiguration = await readAuthentication(
			this,
			itemIndex,
			authenticationType,
		);
	}
	if (Object.keys(changes).length === 0) {
		throw new NodeOperationError(this.getNode(), 'Nothing to update', {
			itemIndex,
			description: 'Add a field under Update Fields or choose a new Authentication.',
		});
	}
	await run.graph.request({
		method: 'PATCH',
		path: graphPath`/identity/apiConnectors/${connectorId}`,
		body: changes,
		itemIndex,
	});
	return await readConnector(run.graph, itemIndex, connectorId);
};
