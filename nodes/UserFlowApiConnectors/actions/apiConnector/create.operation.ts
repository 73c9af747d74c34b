import { updateDisplayOptions, type IDataObject, type INodeProperties } from 'n8n-workflow';

import {
	authenticationProperties,
	readAuthentication,
	type AuthenticationChoice,
} from './authentication';
import { formatConnector, requireTargetUrl } from './connector';
import type { OperationExecute } from '../../helpers/nodeRun';
import { graphPath } from '../../transport';

const show = { resource: ['apiConnector'], operation: ['create'] };

const properties: INodeProperties[] = [
	{
		displayName: 'Display Name',
		name: 'displayName',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. Validate partner sign-up',
	},
	{
		displayName: 'Target URL',
		name: 'targetUrl',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. https://api.contoso.com/signup/validate',
		description: 'HTTPS endpoint Entra calls during the sign-up',
	},
	...authenticationProperties({ keepOption: false }),
];

export const description = updateDisplayOptions({ show }, properties);

export const execute: OperationExecute<IDataObject> = async function (run, itemIndex) {
	const displayName = String(this.getNodeParameter('displayName', itemIndex)).trim();
	const targetUrl = requireTargetUrl(
		this,
		itemIndex,
		this.getNodeParameter('targetUrl', itemIndex),
	);
	const authenticationType = this.getNodeParameter(
		'authenticationType',
		itemIndex,
	) as AuthenticationChoice;
	const authenticationConfiguration = await readAuthentication(this, itemIndex, authenticationType);
	const { body } = await run.graph.request({
		method: 'POST',
		path: graphPath`/identity/apiConnectors`,
		body: { displayName, targetUrl, authenticationConfiguration },
		itemIndex,
	});
	return formatConnector(body);
};
