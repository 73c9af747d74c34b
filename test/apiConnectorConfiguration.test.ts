// API Connector Configuration resource (the steps of a user flow and the API connector each one calls), run
// through n8n's workflow engine against the emulator: for every example in Microsoft's reference pages
// (../shared/seeds), the exact request Graph receives and the output; and bad input refused before any request.
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { SEEDED_CONNECTORS } from '../emulator/state';
import { byId } from './support/parameters';
import { useEmulator } from './support/useEmulator';

const { emulator, tenant, run, graphCalls, credentials, b2cCredentials } = useEmulator();
const [connector1, connector2] = SEEDED_CONNECTORS;
const connectorRef = (version: string, id: string) =>
	`${emulator.graphBaseUrl}/${version}/identity/apiConnectors/${id}`;

describe('API Connector Configuration', () => {
	beforeEach(() => {
		tenant().addUserFlow({ id: 'B2X_1_testuserflow', kind: 'b2x' });
	});

	it('Set Step, example 1: postFederationSignup', async () => {
		const { output } = await run({
			resource: 'apiConnectorConfiguration',
			operation: 'setStep',
			flowKind: 'b2x',
			userFlow: byId('B2X_1_testuserflow'),
			step: 'postFederationSignup',
			apiConnector: byId(connector1.id),
		});
		const calls = graphCalls();
		expect(calls.at(-1)).toEqual({
			method: 'PUT',
			path: '/v1.0/identity/b2xUserFlows/B2X_1_testuserflow/apiConnectorConfiguration/postFederationSignup/$ref',
			query: {},
			body: { '@odata.id': connectorRef('v1.0', connector1.id) },
		});
		expect(output).toEqual([
			{
				json: {
					userFlowId: 'B2X_1_testuserflow',
					flowKind: 'b2x',
					step: 'postFederationSignup',
					apiConnectorId: connector1.id,
					changed: true,
				},
				pairedItem: { item: 0 },
			},
		]);
		expect(tenant().userFlow('b2x', 'B2X_1_testuserflow')?.apiConnectors.postFederationSignup).toBe(
			connector1.id,
		);
	});

	it('Set Step, example 2: postAttributeCollection, reporting the connector it replaces', async () => {
		tenant().userFlow('b2x', 'B2X_1_testuserflow')!.apiConnectors.postAttributeCollection =
			connector1.id;
		const { output } = await run({
			resource: 'apiConnectorConfiguration',
			operation: 'setStep',
			flowKind: 'b2x',
			userFlow: byId('testuserflow'),
			step: 'postAttributeCollection',
			apiConnector: byId(connector2.id),
			options: { checkCurrentStep: true },
		});
		expect(graphCalls()).toEqual([
			{
				method: 'GET',
				path: '/v1.0/identity/b2xUserFlows/B2X_1_testuserflow/apiConnectorConfiguration',
				query: { $expand: 'postAttributeCollection' },
				body: undefined,
			},
			{
				method: 'PUT',
				path: '/v1.0/identity/b2xUserFlows/B2X_1_testuserflow/apiConnectorConfiguration/postAttributeCollection/$ref',
				query: {},
				body: { '@odata.id': connectorRef('v1.0', connector2.id) },
			},
		]);
		expect(output[0].json).toMatchObject({
			apiConnectorId: connector2.id,
			previousApiConnectorId: connector1.id,
			previousApiConnector: { id: connector1.id, displayName: 'Test API Connector 1' },
			changed: true,
		});
	});

	it('Set Step by default sends exactly one request per item', async () => {
		await run({
			resource: 'apiConnectorConfiguration',
			operation: 'setStep',
			flowKind: 'b2x',
			userFlow: byId('B2X_1_testuserflow'),
			step: 'postAttributeCollection',
			apiConnector: byId(connector2.id),
		});
		expect(graphCalls().map((c) => c.method)).toEqual(['PUT']);
	});

	it('Disable Step, example 3: postAttributeCollection with {}', async () => {
		tenant().userFlow('b2x', 'B2X_1_testuserflow')!.apiConnectors.postAttributeCollection =
			connector2.id;
		const { output } = await run({
			resource: 'apiConnectorConfiguration',
			operation: 'disableStep',
			flowKind: 'b2x',
			userFlow: byId('B2X_1_testuserflow'),
			step: 'postAttributeCollection',
			options: { checkCurrentStep: true },
		});
		expect(graphCalls().at(-1)).toEqual({
			method: 'PUT',
			path: '/v1.0/identity/b2xUserFlows/B2X_1_testuserflow/apiConnectorConfiguration/postAttributeCollection/$ref',
			query: {},
			body: {},
		});
		expect(output[0].json).toMatchObject({
			apiConnectorId: null,
			previousApiConnectorId: connector2.id,
			changed: true,
		});
		expect(
			tenant().userFlow('b2x', 'B2X_1_testuserflow')?.apiConnectors.postAttributeCollection,
		).toBeUndefined();
	});

	it('Disable Step on a step that is already off succeeds and writes nothing', async () => {
		const { output, error } = await run({
			resource: 'apiConnectorConfiguration',
			operation: 'disableStep',
			flowKind: 'b2x',
			userFlow: byId('B2X_1_testuserflow'),
			step: 'postFederationSignup',
			options: { checkCurrentStep: true },
		});
		expect(error).toBeUndefined();
		expect(graphCalls().map((c) => c.method)).toEqual(['GET']);
		expect(output[0].json).toMatchObject({ previousApiConnectorId: null, changed: false });
	});

	it('Get: all steps expanded, one clean item per flow (the beta example of the reference page)', async () => {
		Object.assign(tenant().userFlow('b2x', 'B2X_1_testuserflow')!.apiConnectors, {
			postFederationSignup: connector1.id,
			postAttributeCollection: connector2.id,
		});
		const { output } = await run(
			{
				resource: 'apiConnectorConfiguration',
				operation: 'get',
				flowKind: 'b2x',
				userFlow: byId('B2X_1_testuserflow'),
			},
			{ credentials: credentials({ graphVersion: 'beta' }) },
		);
		expect(graphCalls()).toEqual([
			{
				method: 'GET',
				path: '/beta/identity/b2xUserFlows/B2X_1_testuserflow/apiConnectorConfiguration',
				query: { $expand: 'postFederationSignup,postAttributeCollection' },
				body: undefined,
			},
		]);
		const basic = (username: string) => ({
			'@odata.type': '#microsoft.graph.basicAuthentication',
			username,
			password: '******',
		});
		expect(output).toEqual([
			{
				json: {
					userFlowId: 'B2X_1_testuserflow',
					flowKind: 'b2x',
					postFederationSignup: {
						id: connector1.id,
						displayName: 'Test API Connector 1',
						targetUrl: 'https://someapi.com/api/endpoint',
						authenticationConfiguration: basic('<USERNAME>'),
					},
					postAttributeCollection: {
						id: connector2.id,
						displayName: 'Test API Connector 2',
						targetUrl: 'https://someotherapi.com/api/endpoint',
						authenticationConfiguration: basic('<USERNAME2>'),
					},
				},
				pairedItem: { item: 0 },
			},
		]);
	});

	it('works on many items with expressions, one output item paired to each input item', async () => {
		tenant().addUserFlow({ id: 'B2X_1_second', kind: 'b2x' });
		const { output } = await run(
			{
				resource: 'apiConnectorConfiguration',
				operation: 'setStep',
				flowKind: 'b2x',
				userFlow: byId('={{ $json.flow }}'),
				step: '={{ $json.step }}',
				apiConnector: byId('={{ $json.connector }}'),
			},
			{
				items: [
					{ flow: 'testuserflow', step: 'postFederationSignup', connector: connector1.id },
					{ flow: 'B2X_1_second', step: 'postAttributeCollection', connector: connector2.id },
				],
			},
		);
		expect(output.map((item) => [item.json.userFlowId, item.json.step, item.pairedItem])).toEqual([
			['B2X_1_testuserflow', 'postFederationSignup', { item: 0 }],
			['B2X_1_second', 'postAttributeCollection', { item: 1 }],
		]);
	});

	it('accepts the flow and the connector by Graph URL, and refuses a URL on another host', async () => {
		const { output } = await run({
			resource: 'apiConnectorConfiguration',
			operation: 'setStep',
			flowKind: 'b2x',
			userFlow: {
				__rl: true,
				mode: 'url',
				value: `${emulator.graphBaseUrl}/v1.0/identity/b2xUserFlows('B2X_1_testuserflow')`,
			},
			step: 'postFederationSignup',
			apiConnector: { __rl: true, mode: 'url', value: connectorRef('v1.0', connector1.id) },
		});
		expect(output[0].json).toMatchObject({
			userFlowId: 'B2X_1_testuserflow',
			apiConnectorId: connector1.id,
		});
		emulator.clearRequests();
		const { error } = await run({
			resource: 'apiConnectorConfiguration',
			operation: 'setStep',
			flowKind: 'b2x',
			userFlow: byId('B2X_1_testuserflow'),
			step: 'postFederationSignup',
			apiConnector: {
				__rl: true,
				mode: 'url',
				value: `https://graph.evil.example/v1.0/identity/apiConnectors/${connector1.id}`,
			},
		});
		expect(error?.message).toMatch(
			/must be on https:\/\/127\.0\.0\.1:\d+, not https:\/\/graph\.evil\.example/,
		);
		expect(emulator.graphRequests()).toHaveLength(0);
	});
});

describe('Azure AD B2C flows (beta only): the b2cIdentityUserFlow reference examples', () => {
	beforeEach(() => {
		const b2c = emulator.state.requireTenant(emulator.defaults.b2cTenantId);
		b2c.addUserFlow({ id: 'B2C_1_testuserflow', kind: 'b2c' });
		b2c.addConnector({
			id: connector1.id,
			displayName: 'Token enrichment',
			targetUrl: 'https://claims.example.com/enrich',
			authentication: { type: 'basic', username: 'n8n', password: 'b2c-connector-password' },
		});
	});
	const b2cFlow = () =>
		emulator.state
			.requireTenant(emulator.defaults.b2cTenantId)
			.userFlow('b2c', 'B2C_1_testuserflow')!;

	it.each([
		['Example 1: enable postFederationSignup', 'setStep', 'postFederationSignup'],
		['Example 2: enable postAttributeCollection', 'setStep', 'postAttributeCollection'],
		['the B2C-only preTokenIssuance step', 'setStep', 'preTokenIssuance'],
		['Example 3: disable postAttributeCollection', 'disableStep', 'postAttributeCollection'],
	])('%s', async (_example, operation, stepName) => {
		if (operation === 'disableStep')
			b2cFlow().apiConnectors.postAttributeCollection = connector1.id;
		const { output, error } = await run(
			{
				resource: 'apiConnectorConfiguration',
				operation,
				flowKind: 'b2c',
				userFlow: byId('testuserflow'),
				step: stepName,
				apiConnector: byId(connector1.id),
			},
			{ credentials: b2cCredentials() },
		);
		expect(error).toBeUndefined();
		expect(graphCalls()).toEqual([
			{
				method: 'PUT',
				path: `/beta/identity/b2cUserFlows/B2C_1_testuserflow/apiConnectorConfiguration/${stepName}/$ref`,
				query: {},
				body: operation === 'setStep' ? { '@odata.id': connectorRef('beta', connector1.id) } : {},
			},
		]);
		expect(output[0].json).toMatchObject({
			userFlowId: 'B2C_1_testuserflow',
			flowKind: 'b2c',
			step: stepName,
			changed: true,
		});
		expect(b2cFlow().apiConnectors[stepName as 'postAttributeCollection']).toBe(
			operation === 'setStep' ? connector1.id : undefined,
		);
	});

	it('Get returns all three B2C steps', async () => {
		b2cFlow().apiConnectors.preTokenIssuance = connector1.id;
		const { output } = await run(
			{
				resource: 'apiConnectorConfiguration',
				operation: 'get',
				flowKind: 'b2c',
				userFlow: byId('B2C_1_testuserflow'),
			},
			{ credentials: b2cCredentials() },
		);
		expect(graphCalls()[0].query).toEqual({
			$expand: 'postFederationSignup,postAttributeCollection,preTokenIssuance',
		});
		expect(output[0].json).toMatchObject({
			postFederationSignup: null,
			postAttributeCollection: null,
			preTokenIssuance: { id: connector1.id },
		});
	});
});

describe('bad input is refused before any request, with a message a user can act on', () => {
	// Values arrive through expressions (a spreadsheet row, a webhook), where n8n cannot check them up front.
	const setStep = (row: Record<string, string>, credential?: ICredentialDataDecryptedObject) =>
		run(
			{
				resource: 'apiConnectorConfiguration',
				operation: 'setStep',
				flowKind: '={{ $json.kind ?? "b2x" }}',
				userFlow: byId('={{ $json.flow ?? "B2X_1_testuserflow" }}'),
				step: '={{ $json.step ?? "postFederationSignup" }}',
				apiConnector: byId(`={{ $json.connector ?? "${connector1.id}" }}`),
			},
			{ credentials: credential, items: [row] },
		);

	it.each([
		['an empty flow id', { flow: '' }, /User Flow is empty/],
		[
			'a flow id with a path in it',
			{ flow: 'x/../../users' },
			/"x\/..\/..\/users" is not a valid user flow ID/,
		],
		['a flow id with a query in it', { flow: 'Partner?$select=id' }, /is not a valid user flow ID/],
		['an unknown step', { step: 'preSignIn' }, /Unknown user flow step "preSignIn"/],
		[
			'a B2C-only step on an External ID flow',
			{ step: 'preTokenIssuance' },
			/External ID self-service sign-up user flows have no preTokenIssuance step/,
		],
		[
			'a connector id that is not a GUID',
			{ connector: 'connector-1' },
			/"connector-1" is not an API connector ID/,
		],
		['an empty connector', { connector: '' }, /API Connector is empty/],
		['an unknown flow kind', { kind: 'b2b' }, /Unknown flow kind "b2b"/],
	])('%s', async (_what, row, message) => {
		const { error } = await setStep(row);
		expect(error?.message).toMatch(message);
		expect(error?.description ?? '').not.toBe('');
		expect(emulator.graphRequests()).toHaveLength(0);
	});

	it('a value that is wrong in the saved parameters is refused by n8n itself before the node runs', async () => {
		await expect(
			run({
				resource: 'apiConnectorConfiguration',
				operation: 'setStep',
				flowKind: 'b2x',
				userFlow: byId('x/../../users'),
				step: 'postFederationSignup',
				apiConnector: byId('connector-1'),
			}),
		).rejects.toThrow(
			/has issues[\s\S]*Letters, digits, underscores or hyphens[\s\S]*An API connector ID is a GUID/,
		);
		expect(emulator.graphRequests()).toHaveLength(0);
	});

	it('a B2C flow with a v1.0 credential', async () => {
		const { error } = await setStep({ kind: 'b2c' }, b2cCredentials({ graphVersion: 'v1.0' }));
		expect(error?.message).toBe(
			'Azure AD B2C user flows need the Graph beta API, but the credential uses v1.0',
		);
		expect(emulator.graphRequests()).toHaveLength(0);
	});

	it('a flow that does not exist: Graph 404 with its code and request-id', async () => {
		const { error } = await setStep({ flow: 'B2X_1_missing' });
		expect(error?.message).toMatch(/^Microsoft Graph error \w+: .*B2X_1_missing/);
		expect(error?.httpCode).toBe('404');
		expect(error?.description).toMatch(
			/request-id: [0-9a-f-]{36}; client-request-id: [0-9a-f-]{36}/,
		);
	});

	it('under continue-on-fail every bad item becomes an error item paired to it, the good ones still run', async () => {
		tenant().addUserFlow({ id: 'B2X_1_testuserflow', kind: 'b2x' });
		const { output } = await run(
			{
				resource: 'apiConnectorConfiguration',
				operation: 'setStep',
				flowKind: 'b2x',
				userFlow: byId('={{ $json.flow }}'),
				step: 'postFederationSignup',
				apiConnector: byId(connector1.id),
			},
			{
				items: [{ flow: 'testuserflow' }, { flow: 'a/b' }, { flow: 'missing' }],
				continueOnFail: true,
			},
		);
		expect(output).toHaveLength(3);
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(output[0].json.changed).toBe(true);
		expect(output[1].json.error).toMatch(/is not a valid user flow ID/);
		expect(output[2].json).toMatchObject({
			httpCode: '404',
			requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
		});
	});
});
