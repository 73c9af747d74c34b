import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import * as apiConnector from './actions/apiConnector/ApiConnector.resource';
import * as apiConnectorConfiguration from './actions/apiConnectorConfiguration/ApiConnectorConfiguration.resource';
import * as configuration from './actions/configuration/Configuration.resource';
import { requestOptions } from './actions/requestOptions';
import { router } from './actions/router';
import * as userFlow from './actions/userFlow/UserFlow.resource';
import { CREDENTIAL_TEST, listSearch, microsoftEntraUserFlowsApiTest } from './methods';

export class UserFlowApiConnectors implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'User Flow API Connectors',
		name: 'userFlowApiConnectors',
		icon: { light: 'file:userFlowApiConnectors.svg', dark: 'file:userFlowApiConnectors.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["operation"] + ": " + $parameter["resource"] }}',
		description:
			'Create Microsoft Entra External ID (and Azure AD B2C) sign-up user flows and set, read or disable the API connectors they call, or export, plan and apply their whole configuration, through Microsoft Graph',
		defaults: { name: 'User Flow API Connectors' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'microsoftEntraUserFlowsApi',
				required: true,
				testedBy: 'microsoftEntraUserFlowsApiTest',
			},
		],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'API Connector Configuration',
						value: 'apiConnectorConfiguration',
						description: 'Which API connector each step of a user flow calls',
					},
					{
						name: 'API Connector',
						value: 'apiConnector',
						description: 'The APIs that user flows call, with their URL and authentication',
					},
					{
						name: 'Configuration',
						value: 'configuration',
						description:
							'All API connectors and user flows as one document: export it, plan the changes to match it, apply them',
					},
					{ name: 'User Flow', value: 'userFlow', description: 'Sign-up user flows' },
				],
				default: 'apiConnectorConfiguration',
			},
			...userFlow.description,
			...apiConnectorConfiguration.description,
			...apiConnector.description,
			...configuration.description,
			requestOptions,
		],
	};

	methods = { listSearch, credentialTest: { [CREDENTIAL_TEST]: microsoftEntraUserFlowsApiTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
