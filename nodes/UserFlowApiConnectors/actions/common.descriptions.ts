import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { ALL_STEPS, STEP_NAMES } from '../helpers/flowKinds';
import { CONNECTOR_URL_ID_REGEX, FLOW_URL_ID_REGEX } from '../helpers/locators';
import { FLOW_ID_PATTERN, GUID_PATTERN } from '../helpers/validation';

export const flowKind: INodeProperties = {
	displayName: 'Flow Kind',
	name: 'flowKind',
	type: 'options',
	options: [
		{
			name: 'External ID Self-Service Sign-Up',
			value: 'b2x',
			description:
				'B2X user flows of a Microsoft Entra External ID (workforce) tenant, Graph v1.0 or beta',
		},
		{
			name: 'Azure AD B2C',
			value: 'b2c',
			description: 'B2C user flows of an Azure AD B2C tenant; needs the Graph beta API',
		},
	],
	default: 'b2x',
	description: 'Which kind of user flow to work with',
};

export const userFlowLocator: INodeProperties = {
	displayName: 'User Flow',
	name: 'userFlow',
	type: 'resourceLocator',
	default: { mode: 'list', value: '' },
	required: true,
	description: 'The user flow; its ID may be given with or without the B2X_1_ or B2C_1_ prefix',
	modes: [
		{
			displayName: 'From List',
			name: 'list',
			type: 'list',
			typeOptions: { searchListMethod: 'searchUserFlows', searchable: true },
		},
		{
			displayName: 'By ID',
			name: 'id',
			type: 'string',
			placeholder: 'e.g. B2X_1_Partner or Partner',
			validation: [
				{
					type: 'regex',
					properties: {
						regex: FLOW_ID_PATTERN,
						errorMessage: 'Letters, digits, underscores or hyphens, e.g. B2X_1_Partner',
					},
				},
			],
		},
		{
			displayName: 'By URL',
			name: 'url',
			type: 'string',
			placeholder: "e.g. https://graph.microsoft.com/v1.0/identity/b2xUserFlows('B2X_1_Partner')",
			extractValue: { type: 'regex', regex: FLOW_URL_ID_REGEX },
			validation: [
				{
					type: 'regex',
					properties: {
						regex: '^https://[^/]+/.*identity/b2[xc]UserFlows.+',
						errorMessage:
							'A Graph URL of a user flow, e.g. https://graph.microsoft.com/v1.0/identity/b2xUserFlows/B2X_1_Partner',
					},
				},
			],
		},
	],
};

export function apiConnectorLocator(overrides: Partial<INodeProperties> = {}): INodeProperties {
	return {
		displayName: 'API Connector',
		name: 'apiConnector',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		description: 'The API connector (its ID is a GUID)',
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: 'searchApiConnectors', searchable: true },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: 'e.g. 3f2504e0-4f89-11d3-9a0c-0305e82c3301',
				validation: [
					{
						type: 'regex',
						properties: {
							regex: `^${GUID_PATTERN}$`,
							errorMessage: 'An API connector ID is a GUID',
						},
					},
				],
			},
			{
				displayName: 'By URL',
				name: 'url',
				type: 'string',
				placeholder:
					'e.g. https://graph.microsoft.com/v1.0/identity/apiConnectors/3f2504e0-4f89-11d3-9a0c-0305e82c3301',
				extractValue: { type: 'regex', regex: CONNECTOR_URL_ID_REGEX },
				validation: [
					{
						type: 'regex',
						properties: {
							regex: `^https://[^/]+/.*identity/apiConnectors.+${GUID_PATTERN}.*$`,
							errorMessage: 'A Graph URL of an API connector',
						},
					},
				],
			},
		],
		...overrides,
	};
}

export const step: INodeProperties = {
	displayName: 'Step',
	name: 'step',
	type: 'options',
	options: ALL_STEPS.map((value) => ({ name: STEP_NAMES[value], value, description: value })),
	default: 'postAttributeCollection',
	description: 'The point of the sign-up at which the API connector is called',
};

/** Return All / Limit, as n8n's own "Get Many" operations have them. */
export const limitProperties: INodeProperties[] = [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { returnAll: [false] } },
	},
];

/** The limit for requestAllItems: undefined when every result is wanted. */
export function readLimit(context: IExecuteFunctions, itemIndex: number): number | undefined {
	return context.getNodeParameter('returnAll', itemIndex)
		? undefined
		: (context.getNodeParameter('limit', itemIndex) as number);
}
