// User Flow resource (b2xUserFlows, and b2cUserFlows in beta), run through n8n's workflow engine against the
// emulator: for every example in Microsoft's reference pages (../shared/seeds), the exact request Graph
// receives and the output.
import { SEEDED_CONNECTORS } from '../emulator/state';
import { byId } from './support/parameters';
import { secretCredential } from './support/credentials';
import { runNode } from './support/runWorkflow';
import { useEmulator, withEmulator } from './support/useEmulator';

const { emulator, tenant, run, graphCalls, b2cCredentials } = useEmulator();
const [connector1, connector2] = SEEDED_CONNECTORS;
const connectorRef = (version: string, id: string) =>
	`${emulator.graphBaseUrl}/${version}/identity/apiConnectors/${id}`;

describe('User Flow > Create (b2xIdentityUserFlow POST examples)', () => {
	it('Example 1: with the default values', async () => {
		const { output, error } = await run({
			resource: 'userFlow',
			operation: 'create',
			flowKind: 'b2x',
			userFlowName: 'Partner',
		});
		expect(error).toBeUndefined();
		expect(graphCalls()).toEqual([
			{
				method: 'POST',
				path: '/v1.0/identity/b2xUserFlows',
				query: {},
				body: { id: 'Partner', userFlowType: 'signUpOrSignIn', userFlowTypeVersion: 1 },
			},
		]);
		expect(output).toEqual([
			{
				json: { id: 'B2X_1_Partner', userFlowType: 'signUpOrSignIn', userFlowTypeVersion: 1 },
				pairedItem: { item: 0 },
			},
		]);
	});

	it('Example 2: with an identity provider', async () => {
		const { output } = await run({
			resource: 'userFlow',
			operation: 'create',
			flowKind: 'b2x',
			userFlowName: 'Partner',
			additionalFields: {
				identityProviders: {
					provider: [{ id: 'Facebook-OAuth', type: 'Facebook', name: 'Facebook' }],
				},
			},
		});
		expect(graphCalls()[0].body).toEqual({
			id: 'Partner',
			userFlowType: 'signUpOrSignIn',
			userFlowTypeVersion: 1,
			identityProviders: [{ id: 'Facebook-OAuth', type: 'Facebook', name: 'Facebook' }],
		});
		expect(output[0].json.id).toBe('B2X_1_Partner');
		expect(tenant().userFlow('b2x', 'B2X_1_Partner')?.identityProviderIds).toEqual([
			'Facebook-OAuth',
		]);
	});

	it('Example 3: with API connectors, and makes sure both steps really are linked', async () => {
		const { output } = await run({
			resource: 'userFlow',
			operation: 'create',
			flowKind: 'b2x',
			userFlowName: 'UserFlowWithAPIConnector',
			additionalFields: {
				postFederationSignupConnectorId: connector1.id,
				postAttributeCollectionConnectorId: connector2.id,
			},
		});
		// Both connectors are read first: a connector that names nothing must not leave a flow without it.
		const calls = graphCalls();
		expect(calls.slice(0, 2).map(({ method, path }) => [method, path])).toEqual([
			['GET', `/v1.0/identity/apiConnectors/${connector1.id}`],
			['GET', `/v1.0/identity/apiConnectors/${connector2.id}`],
		]);
		calls.splice(0, 2);
		expect(calls[0]).toEqual({
			method: 'POST',
			path: '/v1.0/identity/b2xUserFlows',
			query: {},
			body: {
				id: 'UserFlowWithAPIConnector',
				userFlowType: 'signUpOrSignIn',
				userFlowTypeVersion: 1,
				apiConnectorConfiguration: {
					postFederationSignup: { '@odata.id': connectorRef('v1.0', connector1.id) },
					postAttributeCollection: { '@odata.id': connectorRef('v1.0', connector2.id) },
				},
			},
		});
		// Read back; whatever the creation did not link is linked with the documented $ref call.
		expect(calls[1]).toMatchObject({
			method: 'GET',
			path: '/v1.0/identity/b2xUserFlows/B2X_1_UserFlowWithAPIConnector/apiConnectorConfiguration',
			query: { $expand: 'postFederationSignup,postAttributeCollection' },
		});
		expect(tenant().userFlow('b2x', 'B2X_1_UserFlowWithAPIConnector')?.apiConnectors).toEqual({
			postFederationSignup: connector1.id,
			postAttributeCollection: connector2.id,
		});
		expect(output[0].json).toEqual({
			id: 'B2X_1_UserFlowWithAPIConnector',
			userFlowType: 'signUpOrSignIn',
			userFlowTypeVersion: 1,
			apiConnectorConfiguration: {
				postFederationSignup: connector1.id,
				postAttributeCollection: connector2.id,
			},
		});
	});

	it('takes a typed prefix off the name instead of doubling it', async () => {
		await run({
			resource: 'userFlow',
			operation: 'create',
			flowKind: 'b2x',
			userFlowName: 'b2x_1_Partner',
		});
		expect(graphCalls()[0].body).toMatchObject({ id: 'Partner' });
	});

	it('a flow type the flow kind does not have is refused before any request', async () => {
		const { error } = await run({
			resource: 'userFlow',
			operation: 'create',
			flowKind: 'b2x',
			userFlowName: 'Partner',
			userFlowType: 'signIn',
		});
		expect(error?.message).toBe(
			'External ID self-service sign-up user flows cannot have the type "signIn"',
		);
		expect(emulator.graphRequests()).toHaveLength(0);
	});

	it('a b2x User Flow Type Version other than 1 is refused before any request', async () => {
		const { error } = await run({
			resource: 'userFlow',
			operation: 'create',
			flowKind: 'b2x',
			userFlowName: 'Partner',
			userFlowTypeVersion: 2,
		});
		expect(error?.name).toBe('NodeOperationError');
		expect(error?.message).toBe(
			'External ID self-service sign-up user flows cannot have the type version 2',
		);
		expect(error?.description).toBe('Use 1.');
		expect(emulator.graphRequests()).toHaveLength(0);
	});

	it('a flow that already exists, If the Flow Exists = Fail: Graph 409 with its code, message and request-id', async () => {
		tenant().addUserFlow({ id: 'B2X_1_Partner', kind: 'b2x' });
		const { error } = await run({
			resource: 'userFlow',
			operation: 'create',
			flowKind: 'b2x',
			userFlowName: 'Partner',
			ifFlowExists: 'fail',
		});
		expect(error?.message).toMatch(/Microsoft Graph error .+: A user flow .*already exists/);
		expect(error?.description).toMatch(/POST \/identity\/b2xUserFlows answered 409/);
		expect(error?.description).toMatch(/request-id: [0-9a-f-]{36}/);
	});

	it('a connector that names nothing: the flow is not created, and the error says which connector', async () => {
		const { error } = await run({
			resource: 'userFlow',
			operation: 'create',
			flowKind: 'b2x',
			userFlowName: 'Orphan',
			additionalFields: {
				postFederationSignupConnectorId: connector1.id,
				postAttributeCollectionConnectorId: '00000000-0000-4000-8000-000000000000',
			},
		});
		expect(error?.message).toBe(
			'The API connector 00000000-0000-4000-8000-000000000000 for the postAttributeCollection step does not exist in this tenant',
		);
		expect(error?.description).toMatch(/The user flow was not created/);
		expect(tenant().userFlow('b2x', 'B2X_1_Orphan')).toBeUndefined();
		expect(graphCalls().filter((call) => call.method !== 'GET')).toEqual([]);
	});

	it('running a half-done Create again completes it: the existing flow is used and its missing link made', async () => {
		// What a first run left behind: the flow exists, its postAttributeCollection step without a connector.
		tenant().addUserFlow({ id: 'B2X_1_HalfDone', kind: 'b2x' });
		const { output, error } = await run({
			resource: 'userFlow',
			operation: 'create',
			flowKind: 'b2x',
			userFlowName: 'HalfDone',
			additionalFields: { postAttributeCollectionConnectorId: connector2.id },
		});
		expect(error).toBeUndefined();
		expect(output[0].json).toMatchObject({
			id: 'B2X_1_HalfDone',
			apiConnectorConfiguration: { postAttributeCollection: connector2.id },
		});
		expect(tenant().userFlow('b2x', 'B2X_1_HalfDone')?.apiConnectors).toEqual({
			postAttributeCollection: connector2.id,
		});
	});

	it('the configuration cannot be read after the flow was created: the error names the flow that now exists', async () => {
		emulator.injectFault({
			target: 'graph',
			kind: 'status',
			status: 503,
			method: 'GET',
			pathIncludes: '/B2X_1_Unread/apiConnectorConfiguration',
		});
		const { error } = await run({
			resource: 'userFlow',
			operation: 'create',
			flowKind: 'b2x',
			userFlowName: 'Unread',
			additionalFields: { postAttributeCollectionConnectorId: connector2.id },
			requestOptions: { maxRetries: 0 },
		});
		expect(tenant().userFlow('b2x', 'B2X_1_Unread')).toBeDefined();
		expect(error?.message).toMatch(
			/^The user flow B2X_1_Unread exists, but its API connector configuration could not be read back: Microsoft Graph error ServiceUnavailable/,
		);
		expect(error?.description).toMatch(
			/Run the item again: Create uses the existing flow and links what it lacks/,
		);
	});

	it('an existing flow of another type or version is not taken as the one asked for', async () => {
		tenant().addUserFlow({ id: 'B2X_1_Other', kind: 'b2x', userFlowTypeVersion: 2 });
		const { error } = await run({
			resource: 'userFlow',
			operation: 'create',
			flowKind: 'b2x',
			userFlowName: 'Other',
		});
		expect(error?.description).toMatch(/POST \/identity\/b2xUserFlows answered 409/);
	});
});

describe('Azure AD B2C flows (beta only): the b2cIdentityUserFlow reference examples', () => {
	it('Create a B2C sign-in flow of version 3', async () => {
		const { output } = await run(
			{
				resource: 'userFlow',
				operation: 'create',
				flowKind: 'b2c',
				userFlowName: 'SignIn',
				userFlowType: 'signIn',
				userFlowTypeVersion: 3,
			},
			{ credentials: b2cCredentials() },
		);
		expect(graphCalls()[0]).toEqual({
			method: 'POST',
			path: '/beta/identity/b2cUserFlows',
			query: {},
			body: { id: 'SignIn', userFlowType: 'signIn', userFlowTypeVersion: 3 },
		});
		expect(output[0].json).toMatchObject({
			id: 'B2C_1_SignIn',
			userFlowType: 'signIn',
			userFlowTypeVersion: 3,
		});
	});
});

describe('User Flow > Get, Get Many, Delete', () => {
	it('Get Many pages through @odata.nextLink; a limit stops early', async () => {
		for (let i = 0; i < 5; i++) tenant().addUserFlow({ id: `B2X_1_flow${i}`, kind: 'b2x' });
		await withEmulator({ pageSize: 2 }, async (small) => {
			for (let i = 0; i < 5; i++)
				small.state
					.requireTenant(small.defaults.tenantId)
					.addUserFlow({ id: `B2X_1_flow${i}`, kind: 'b2x' });
			const all = await runNode({
				parameters: { resource: 'userFlow', operation: 'getAll', flowKind: 'b2x', returnAll: true },
				credentials: secretCredential(small),
			});
			expect(all.output.map((item) => item.json.id)).toEqual([
				'B2X_1_flow0',
				'B2X_1_flow1',
				'B2X_1_flow2',
				'B2X_1_flow3',
				'B2X_1_flow4',
			]);
			expect(all.output.every((item) => (item.pairedItem as { item: number }).item === 0)).toBe(
				true,
			);
			const pages = small.graphRequests();
			expect(pages).toHaveLength(3);
			expect(pages[1].query.$skiptoken).toBeTruthy();
			small.clearRequests();
			const limited = await runNode({
				parameters: {
					resource: 'userFlow',
					operation: 'getAll',
					flowKind: 'b2x',
					returnAll: false,
					limit: 3,
				},
				credentials: secretCredential(small),
			});
			expect(limited.output).toHaveLength(3);
		});
	});

	it('Get accepts the name without its prefix; Delete removes the flow', async () => {
		tenant().addUserFlow({ id: 'B2X_1_Partner', kind: 'b2x' });
		const got = await run({
			resource: 'userFlow',
			operation: 'get',
			flowKind: 'b2x',
			userFlow: byId('Partner'),
		});
		expect(got.output[0].json).toEqual({
			id: 'B2X_1_Partner',
			userFlowType: 'signUpOrSignIn',
			userFlowTypeVersion: 1,
		});
		const deleted = await run({
			resource: 'userFlow',
			operation: 'delete',
			flowKind: 'b2x',
			userFlow: byId('Partner'),
		});
		expect(deleted.output[0].json).toEqual({
			userFlowId: 'B2X_1_Partner',
			flowKind: 'b2x',
			deleted: true,
		});
		expect(graphCalls().at(-1)).toMatchObject({
			method: 'DELETE',
			path: '/v1.0/identity/b2xUserFlows/B2X_1_Partner',
		});
		expect(tenant().userFlow('b2x', 'B2X_1_Partner')).toBeUndefined();
	});
});

describe("403: the hint follows Graph's code", () => {
	const PERMISSION_HINT = /lacks a permission/;
	const TENANT_KIND_HINT = /tenant/;

	it('AccessDenied for b2x flows in an Azure AD B2C tenant leads with the tenant kind, not a permission', async () => {
		const { error } = await run(
			{ resource: 'userFlow', operation: 'getAll', flowKind: 'b2x', returnAll: true },
			{ credentials: b2cCredentials() },
		);
		expect(error?.httpCode).toBe('403');
		expect(error?.message).toMatch(/^Microsoft Graph error AccessDenied: /);
		expect(error?.description).toMatch(
			/^External ID self-service sign-up flows \(b2xUserFlows\) exist only in a Microsoft Entra ID or External ID tenant, Azure AD B2C flows \(b2cUserFlows\) only in an Azure AD B2C tenant\./,
		);
		expect(error?.description).not.toMatch(PERMISSION_HINT);
	});

	it('AccessDenied for b2c flows outside a B2C tenant: the same tenant-kind hint', async () => {
		const { error } = await run(
			{ resource: 'userFlow', operation: 'getAll', flowKind: 'b2c', returnAll: true },
			{ credentials: secretCredentialBeta() },
		);
		expect(error?.message).toMatch(/^Microsoft Graph error AccessDenied: /);
		expect(error?.description).toMatch(/^External ID self-service sign-up flows \(b2xUserFlows\)/);
		expect(error?.description).not.toMatch(PERMISSION_HINT);
	});

	it('Authorization_RequestDenied leads with the permissions, and says nothing of the tenant kind', async () => {
		tenant().app(emulator.defaults.clientId)!.roles = [];
		// Roles are copied into a token when it is issued: make the cached one invalid.
		emulator.revokeAllTokens();
		const { error } = await run({
			resource: 'userFlow',
			operation: 'getAll',
			flowKind: 'b2x',
			returnAll: true,
		});
		expect(error?.message).toMatch(/^Microsoft Graph error Authorization_RequestDenied: /);
		expect(error?.description).toMatch(/^The app registration lacks a permission: /);
		expect(error?.description).not.toMatch(TENANT_KIND_HINT);
	});

	function secretCredentialBeta() {
		return secretCredential(emulator, { graphVersion: 'beta' });
	}
});
