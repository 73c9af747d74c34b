import {
	NodeOperationError,
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeProperties,
} from 'n8n-workflow';

import {
	connectorReference,
	readConfiguration,
	withoutAnnotations,
	writeStep,
} from '../../helpers/configuration';
import { FLOW_KINDS, type ConnectorStep, type FlowKind } from '../../helpers/flowKinds';
import { requireConnectorId, requireFlowKind, requireNewFlowName } from '../../helpers/validation';
import { getGraphConnection, graphPath, graphRequest } from '../../transport';
import { flowKind } from '../common.descriptions';

const FLOW_TYPES = [
	{
		name: 'Sign Up or Sign In',
		value: 'signUpOrSignIn',
		description: 'The only type of External ID self-service sign-up flows',
	},
	{ name: 'Sign Up (B2C)', value: 'signUp' },
	{ name: 'Sign In (B2C)', value: 'signIn' },
	{ name: 'Password Reset (B2C)', value: 'passwordReset' },
	{ name: 'Profile Update (B2C)', value: 'profileUpdate' },
	{ name: 'Resource Owner (B2C)', value: 'resourceOwner' },
];

/** The steps that can get a connector at creation, with the parameter that holds it. */
const CREATION_STEPS: Array<{ step: ConnectorStep; parameter: string }> = [
	{ step: 'postFederationSignup', parameter: 'postFederationSignupConnectorId' },
	{ step: 'postAttributeCollection', parameter: 'postAttributeCollectionConnectorId' },
];

const properties: INodeProperties[] = [
	flowKind,
	{
		displayName: 'User Flow Name',
		name: 'userFlowName',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. Partner',
		description: 'Name of the new flow. Graph adds the B2X_1_ (or B2C_1_) prefix to form its ID.',
	},
	{
		displayName: 'User Flow Type',
		name: 'userFlowType',
		type: 'options',
		options: FLOW_TYPES,
		default: 'signUpOrSignIn',
	},
	{
		displayName: 'User Flow Type Version',
		name: 'userFlowTypeVersion',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 1,
		description: 'Version of the flow type; External ID self-service sign-up flows have version 1',
	},
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		options: [
			{
				displayName: 'Identity Providers',
				name: 'identityProviders',
				type: 'fixedCollection',
				typeOptions: { multipleValues: true },
				default: {},
				placeholder: 'Add Identity Provider',
				options: [
					{
						displayName: 'Identity Provider',
						name: 'provider',
						values: [
							{
								displayName: 'ID',
								name: 'id',
								type: 'string',
								default: '',
								placeholder: 'e.g. Facebook-OAuth',
							},
							{
								displayName: 'Type',
								name: 'type',
								type: 'string',
								default: '',
								placeholder: 'e.g. Facebook',
							},
							{
								displayName: 'Name',
								name: 'name',
								type: 'string',
								default: '',
								placeholder: 'e.g. Facebook',
							},
						],
					},
				],
			},
			{
				displayName: 'API Connector After Signing In With an Identity Provider',
				name: 'postFederationSignupConnectorId',
				type: 'string',
				default: '',
				placeholder: 'e.g. 3f2504e0-4f89-11d3-9a0c-0305e82c3301',
				description: 'ID of the API connector for the postFederationSignup step',
			},
			{
				displayName: 'API Connector Before Creating the User',
				name: 'postAttributeCollectionConnectorId',
				type: 'string',
				default: '',
				placeholder: 'e.g. 3f2504e0-4f89-11d3-9a0c-0305e82c3301',
				description: 'ID of the API connector for the postAttributeCollection step',
			},
		],
	},
];

const displayOptions = { show: { resource: ['userFlow'], operation: ['create'] } };

export const description = updateDisplayOptions(displayOptions, properties);

function requireFlowType(context: IExecuteFunctions, itemIndex: number, kind: FlowKind): string {
	const value = String(context.getNodeParameter('userFlowType', itemIndex));
	if (!FLOW_KINDS[kind].flowTypes.includes(value)) {
		throw new NodeOperationError(
			context.getNode(),
			`${FLOW_KINDS[kind].displayName} user flows cannot have the type "${value}"`,
			{
				itemIndex,
				description: `Use one of: ${FLOW_KINDS[kind].flowTypes.join(', ')}.`,
			},
		);
	}
	return value;
}

function requireFlowTypeVersion(context: IExecuteFunctions, itemIndex: number): number {
	const value = Number(context.getNodeParameter('userFlowTypeVersion', itemIndex));
	if (!Number.isInteger(value) || value < 1) {
		throw new NodeOperationError(
			context.getNode(),
			`User Flow Type Version must be a whole number from 1, got "${String(value)}"`,
			{
				itemIndex,
			},
		);
	}
	return value;
}

function identityProviders(
	context: IExecuteFunctions,
	itemIndex: number,
	fields: IDataObject,
): IDataObject[] {
	const providers =
		((fields.identityProviders as IDataObject | undefined)?.provider as
			| IDataObject[]
			| undefined) ?? [];
	return providers.map((provider, index) => {
		const id = String(provider.id ?? '').trim();
		if (!id) {
			throw new NodeOperationError(context.getNode(), `Identity provider ${index + 1} has no ID`, {
				itemIndex,
				description: 'Enter the identity provider ID, for example Facebook-OAuth.',
			});
		}
		// Only what the user filled in: Graph identifies the provider by its ID.
		return Object.fromEntries(
			Object.entries({ id, type: provider.type, name: provider.name }).filter(
				([, value]) => value !== undefined && value !== '',
			),
		) as IDataObject;
	});
}

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const { endpoints } = await getGraphConnection.call(this);
	const kind = requireFlowKind(
		this,
		itemIndex,
		this.getNodeParameter('flowKind', itemIndex),
		endpoints.graphVersion,
	);
	const name = requireNewFlowName(
		this,
		itemIndex,
		this.getNodeParameter('userFlowName', itemIndex),
		kind,
	);
	const fields = this.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject;
	const connectors = CREATION_STEPS.flatMap(({ step, parameter }) =>
		fields[parameter]
			? [{ step, connectorId: requireConnectorId(this, itemIndex, fields[parameter]) }]
			: [],
	);
	const body: IDataObject = {
		id: name,
		userFlowType: requireFlowType(this, itemIndex, kind),
		userFlowTypeVersion: requireFlowTypeVersion(this, itemIndex),
	};
	const providers = identityProviders(this, itemIndex, fields);
	if (providers.length) body.identityProviders = providers;
	if (connectors.length) {
		body.apiConnectorConfiguration = Object.fromEntries(
			connectors.map(({ step, connectorId }) => [
				step,
				{ '@odata.id': connectorReference(endpoints.graphBaseUrl, connectorId) },
			]),
		);
	}

	const flowPath = graphPath`/identity/${FLOW_KINDS[kind].collection}`;
	const { body: created } = await graphRequest.call(
		this,
		{ method: 'POST', path: flowPath, body, itemIndex },
		{
			// A repeat after a dropped connection that meets 409: the flow is ours if it is what we asked for.
			recoverConflict: async () => {
				const existing = await graphRequest.call(this, {
					method: 'GET',
					path: `${flowPath}${graphPath`/${FLOW_KINDS[kind].prefix + name}`}`,
					itemIndex,
				});
				const same =
					existing.body.userFlowType === body.userFlowType &&
					existing.body.userFlowTypeVersion === body.userFlowTypeVersion;
				return same ? existing : undefined;
			},
		},
	);
	const flow = withoutAnnotations(created);
	if (!connectors.length) return flow;

	// Graph has been seen to accept the documented @odata.id binding at creation without linking it:
	// read the configuration back and link whatever is missing with the documented $ref call.
	const flowId = String(flow.id);
	const configuration = await readConfiguration(
		this,
		itemIndex,
		kind,
		flowId,
		connectors.map((c) => c.step),
	);
	const linked: IDataObject = {};
	for (const { step, connectorId } of connectors) {
		if (String(configuration[step]?.id ?? '').toLowerCase() !== connectorId) {
			await writeStep(this, itemIndex, kind, flowId, step, connectorId);
		}
		linked[step] = connectorId;
	}
	return { ...flow, apiConnectorConfiguration: linked };
}
