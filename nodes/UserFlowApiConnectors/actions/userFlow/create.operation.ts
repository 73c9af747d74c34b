import {
	NodeOperationError,
	updateDisplayOptions,
	type NodeApiError,
	type IDataObject,
	type INodeProperties,
} from 'n8n-workflow';

import { FLOW_KINDS, type ConnectorStep } from '../../helpers/flowKinds';
import { flowPath, resolveFlowKind, type FlowTarget } from '../../helpers/locators';
import type { OperationExecute } from '../../helpers/nodeRun';
import { withoutAnnotations } from '../../helpers/odata';
import { requireConnectorId, requireNewFlowName } from '../../helpers/validation';
import { graphPath } from '../../transport';
import {
	connectorReference,
	readConfiguration,
	writeStep,
} from '../apiConnectorConfiguration/steps';
import { flowKind } from '../common.descriptions';
import {
	identityProviders,
	requireExistingConnector,
	requireFlowType,
	requireFlowTypeVersion,
} from './newFlow';

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
		description:
			'Version of the flow type. External ID self-service sign-up flows have version 1 only; Azure AD B2C flow types have several (for example 3 for recommended flows).',
	},
	{
		displayName: 'If the Flow Exists',
		name: 'ifFlowExists',
		type: 'options',
		options: [
			{
				name: 'Use It When Type and Version Match',
				value: 'useMatching',
				description:
					'Take the existing flow as the one created and link the API connectors it lacks, so running an item again completes it',
			},
			{ name: 'Fail', value: 'fail', description: 'Fail the item, as Graph answers (409)' },
		],
		default: 'useMatching',
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

export const execute: OperationExecute<IDataObject> = async function (run, itemIndex) {
	const { graph } = run;
	const node = this.getNode();
	const kind = await resolveFlowKind(
		run.graph,
		itemIndex,
		this.getNodeParameter('flowKind', itemIndex),
	);
	const name = requireNewFlowName(
		node,
		itemIndex,
		this.getNodeParameter('userFlowName', itemIndex),
		kind,
	);
	const fields = this.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject;
	const connectors = CREATION_STEPS.flatMap(({ step, parameter }) =>
		fields[parameter]
			? [{ step, connectorId: requireConnectorId(node, itemIndex, fields[parameter]) }]
			: [],
	);
	const body: IDataObject = {
		id: name,
		userFlowType: requireFlowType(
			node,
			itemIndex,
			kind,
			this.getNodeParameter('userFlowType', itemIndex),
		),
		userFlowTypeVersion: requireFlowTypeVersion(
			node,
			itemIndex,
			kind,
			this.getNodeParameter('userFlowTypeVersion', itemIndex),
		),
	};
	const providers = identityProviders(this, itemIndex, fields);
	if (providers.length) body.identityProviders = providers;
	if (connectors.length) {
		const references = await Promise.all(
			connectors.map(async ({ step, connectorId }) => [
				step,
				{ '@odata.id': await connectorReference(graph, connectorId) },
			]),
		);
		body.apiConnectorConfiguration = Object.fromEntries(references);
	}

	// A connector that names nothing would leave a live flow without it: every one is read before the flow exists.
	for (const { step, connectorId } of connectors) {
		await requireExistingConnector(graph, node, itemIndex, step, connectorId);
	}
	const newFlow: FlowTarget = { kind, flowId: FLOW_KINDS[kind].prefix + name };
	const { body: created } = await graph.request(
		{ method: 'POST', path: graphPath`/identity/${FLOW_KINDS[kind].collection}`, body, itemIndex },
		{
			// After an attempt that may have applied, and on a 409 when the UI says so: an existing flow is ours
			// if it is what we asked for.
			readBackOnEveryConflict:
				this.getNodeParameter('ifFlowExists', itemIndex, 'useMatching') === 'useMatching',
			readBack: async () => {
				const existing = await graph
					.request({ method: 'GET', path: flowPath(newFlow), itemIndex })
					.catch((error: NodeApiError) =>
						// No such flow: the earlier attempt did not create it.
						error.httpCode === '404' ? undefined : Promise.reject(error),
					);
				if (!existing) return undefined;
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
	const target: FlowTarget = { kind, flowId: String(flow.id) };
	// From here the flow exists: an error names it and says what is linked, so that a re-run completes it.
	const halfDone = (what: string, linkedSoFar: string) => (error: Error) =>
		Promise.reject(
			new NodeOperationError(
				node,
				`The user flow ${target.flowId} exists, but ${what}: ${error.message}`,
				{
					itemIndex,
					description: `Linked so far: ${linkedSoFar}. Run the item again: Create uses the existing flow and links what it lacks.`,
				},
			),
		);
	const steps = connectors.map((c) => c.step);
	const configuration = await readConfiguration(graph, itemIndex, target, steps).catch(
		halfDone('its API connector configuration could not be read back', 'unknown'),
	);
	const linked: IDataObject = {};
	for (const { step, connectorId } of connectors) {
		if (String(configuration[step]?.id ?? '').toLowerCase() !== connectorId) {
			await writeStep(graph, itemIndex, target, step, connectorId).catch(
				halfDone(`its ${step} step could not be linked`, JSON.stringify(linked)),
			);
		}
		linked[step] = connectorId;
	}
	return { ...flow, apiConnectorConfiguration: linked };
};
