// Configuration resource (Export, Plan, Apply: the tenant's API connectors and user flows as one document),
// run through n8n's workflow engine against the emulator: workflow parameters in, the Graph requests sent,
// the node's output and the tenant afterwards checked.
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { SEEDED_CONNECTORS } from '../emulator/state';
import { type HostileAnswer, type SeenRequest, useHostileGraph } from './support/hostileGraph';
import { makePfx, TEST_PFX_PASSWORD } from './support/pfx';
import { registerSecret } from './support/secrets';
import { useEmulator } from './support/useEmulator';

const {
	emulator,
	tenant,
	run,
	graphCalls,
	credentials,
	b2cCredentials,
	productionTenant,
	productionCredentials,
} = useEmulator();
const [connector1, connector2] = SEEDED_CONNECTORS;

const NEW_PASSWORD = 'configuration-test-password-new';
registerSecret(NEW_PASSWORD);

/** The seeded tenant with one flow: Partner calls connector 1 before creating the user. */
function seedPartnerFlow() {
	tenant().addUserFlow({
		id: 'B2X_1_Partner',
		kind: 'b2x',
		identityProviderIds: ['EmailPassword-OAUTH', 'Facebook-OAuth'],
		apiConnectors: { postAttributeCollection: connector1.id },
	});
}

interface Document {
	version: number;
	flowKind: string;
	apiConnectors: Array<{
		displayName: string;
		targetUrl: string;
		authentication: { type: string; username?: string; certificates?: IDataObject[] };
	}>;
	userFlows: Array<{
		id: string;
		userFlowType: string;
		userFlowTypeVersion: number;
		identityProviders: string[];
		apiConnectors: Record<string, string | null>;
	}>;
}

/** The seeded tenant as Export writes it (with seedPartnerFlow). */
const SEEDED_DOCUMENT: Document = {
	version: 1,
	flowKind: 'b2x',
	apiConnectors: [
		{
			displayName: 'Test API Connector 1',
			targetUrl: 'https://someapi.com/api/endpoint',
			authentication: { type: 'basic', username: '<USERNAME>' },
		},
		{
			displayName: 'Test API Connector 2',
			targetUrl: 'https://someotherapi.com/api/endpoint',
			authentication: { type: 'basic', username: '<USERNAME2>' },
		},
	],
	userFlows: [
		{
			id: 'B2X_1_Partner',
			userFlowType: 'signUpOrSignIn',
			userFlowTypeVersion: 1,
			identityProviders: ['EmailPassword-OAUTH', 'Facebook-OAuth'],
			apiConnectors: {
				postFederationSignup: null,
				postAttributeCollection: 'Test API Connector 1',
			},
		},
	],
};

const copy = (document: object = SEEDED_DOCUMENT): Document =>
	JSON.parse(JSON.stringify(document)) as Document;

const passwordsFor = (...names: string[]) => ({
	connectorSecrets: {
		secret: names.map((apiConnector) => ({ apiConnector, password: NEW_PASSWORD })),
	},
});

const exportParameters = { resource: 'configuration', operation: 'export', flowKind: 'b2x' };
const planParameters = (document: object, planOptions: IDataObject = {}) => ({
	resource: 'configuration',
	operation: 'plan',
	document: JSON.stringify(document),
	planOptions,
});
const planAndApply = (document: object, extra: IDataObject = {}) => ({
	resource: 'configuration',
	operation: 'apply',
	planAndApply: true,
	document: JSON.stringify(document),
	...extra,
});

const writesOf = (calls: ReturnType<typeof graphCalls>) =>
	calls.filter((call) => call.method !== 'GET').map((call) => `${call.method} ${call.path}`);

const flowsPath = '/v1.0/identity/b2xUserFlows';
const EXPANDED_FLOW_LIST = {
	method: 'GET',
	path: flowsPath,
	query: {
		$expand:
			'identityProviders,apiConnectorConfiguration/postFederationSignup,apiConnectorConfiguration/postAttributeCollection',
		$top: '100',
	},
	body: undefined,
};
const CONNECTOR_LIST = {
	method: 'GET',
	path: '/v1.0/identity/apiConnectors',
	query: { $top: '100' },
	body: undefined,
};

describe('Configuration > Export', () => {
	beforeEach(seedPartnerFlow);

	it('reads connectors and flows in two requests into a sorted, versioned document without secrets', async () => {
		const { output, error } = await run(exportParameters);
		expect(error).toBeUndefined();
		expect(graphCalls()).toEqual(expect.arrayContaining([CONNECTOR_LIST, EXPANDED_FLOW_LIST]));
		expect(graphCalls()).toHaveLength(2);
		expect(output).toEqual([
			{ json: { document: SEEDED_DOCUMENT, requests: 2 }, pairedItem: { item: 0 } },
		]);
		expect(JSON.stringify(output)).not.toContain('******');
	});

	it('writes the same text whatever order Graph lists things in', async () => {
		const first = JSON.stringify((await run(exportParameters)).output[0].json.document);
		// The same tenant, its connectors and flows inserted in the opposite order.
		const connectors = [...tenant().connectors.values()].reverse();
		tenant().connectors.clear();
		for (const connector of connectors) tenant().addConnector(connector);
		tenant().addUserFlow({ id: 'B2X_1_Alpha', kind: 'b2x' });
		const second = (await run(exportParameters)).output[0].json.document as Document;
		expect(second.userFlows.map((flow) => flow.id)).toEqual(['B2X_1_Alpha', 'B2X_1_Partner']);
		second.userFlows.shift();
		expect(JSON.stringify(second)).toBe(first);
	});

	it('pages through long lists and says how many requests it took', async () => {
		for (let index = 0; index < 120; index++)
			tenant().addUserFlow({ id: `B2X_1_Flow${String(index).padStart(3, '0')}`, kind: 'b2x' });
		const { output } = await run(exportParameters);
		expect((output[0].json.document as Document).userFlows).toHaveLength(121);
		expect(output[0].json.requests).toBe(3);
		expect(graphCalls()).toHaveLength(3);
	});

	it('shows certificates as thumbprint and expiry', async () => {
		const pfx = makePfx({ password: TEST_PFX_PASSWORD });
		tenant().addConnector({
			displayName: 'Certificate API',
			targetUrl: 'https://api.contoso.com/cert',
			authentication: {
				type: 'clientCertificate',
				certificates: [{ ...tenant().certificateUploaded(pfx) }],
			},
		});
		const { output } = await run(exportParameters);
		const document = output[0].json.document as Document;
		expect(document.apiConnectors[0]).toEqual({
			displayName: 'Certificate API',
			targetUrl: 'https://api.contoso.com/cert',
			authentication: {
				type: 'clientCertificate',
				certificates: [{ thumbprint: pfx.thumbprint, notAfter: pfx.notAfter.toISOString() }],
			},
		});
	});

	it('exports Azure AD B2C flows with their three steps through the beta API', async () => {
		const b2c = emulator.state.requireTenant(emulator.defaults.b2cTenantId);
		const connector = b2c.addConnector({
			displayName: 'Token enricher',
			targetUrl: 'https://api.fabrikam.com/token',
			authentication: { type: 'basic', username: 'b2c', password: 'emulator-b2c-password-1' },
		});
		b2c.addUserFlow({
			id: 'B2C_1_SignIn',
			kind: 'b2c',
			userFlowType: 'signIn',
			userFlowTypeVersion: 3,
			apiConnectors: { preTokenIssuance: connector.id },
		});
		const { output, error } = await run(
			{ ...exportParameters, flowKind: 'b2c' },
			{ credentials: b2cCredentials() },
		);
		expect(error).toBeUndefined();
		expect(
			graphCalls().map((call) => `${call.method} ${call.path} ${call.query.$expand ?? ''}`),
		).toEqual(
			expect.arrayContaining([
				'GET /beta/identity/b2cUserFlows identityProviders,apiConnectorConfiguration/postFederationSignup,apiConnectorConfiguration/postAttributeCollection,apiConnectorConfiguration/preTokenIssuance',
			]),
		);
		expect((output[0].json.document as Document).userFlows).toEqual([
			{
				id: 'B2C_1_SignIn',
				userFlowType: 'signIn',
				userFlowTypeVersion: 3,
				identityProviders: [],
				apiConnectors: {
					postFederationSignup: null,
					postAttributeCollection: null,
					preTokenIssuance: 'Token enricher',
				},
			},
		]);
	});

	it('refuses B2C on a v1.0 credential before any request', async () => {
		const { error } = await run({ ...exportParameters, flowKind: 'b2c' });
		expect(error?.message).toMatch(/Azure AD B2C user flows need the Graph beta API/);
		expect(graphCalls()).toEqual([]);
	});

	it('refuses a tenant in which two connectors share a name', async () => {
		tenant().addConnector({
			displayName: 'Test API Connector 1',
			targetUrl: 'https://elsewhere.example/api',
			authentication: { type: 'basic', username: 'u', password: 'emulator-only-password' },
		});
		const { error } = await run(exportParameters);
		expect(error?.message).toMatch(
			/2 API connectors in the tenant are named "Test API Connector 1"/,
		);
	});
});

describe('Configuration > Plan', () => {
	beforeEach(seedPartnerFlow);

	it('finds nothing to change in the tenant it was exported from, in two requests', async () => {
		const { output, error } = await run(planParameters(SEEDED_DOCUMENT));
		expect(error).toBeUndefined();
		const plan = output[0].json;
		expect(plan).toMatchObject({
			hasChanges: false,
			changes: [],
			requests: 2,
			passwords: { notCompared: ['Test API Connector 1', 'Test API Connector 2'], set: [] },
		});
		expect(plan.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
		expect(writesOf(graphCalls())).toEqual([]);
	});

	it('lists the changes in the order Apply makes them, each with before and after', async () => {
		const document = copy();
		document.apiConnectors[1].targetUrl = 'https://someotherapi.com/api/v2';
		document.apiConnectors.push({
			displayName: 'New API',
			targetUrl: 'https://api.contoso.com/new',
			authentication: { type: 'basic', username: 'new-user' },
		});
		document.userFlows[0].apiConnectors = {
			postFederationSignup: 'New API',
			postAttributeCollection: null,
		};
		document.userFlows.push({
			id: 'Second',
			userFlowType: 'signUpOrSignIn',
			userFlowTypeVersion: 1,
			identityProviders: ['EmailPassword-OAUTH'],
			apiConnectors: {
				postFederationSignup: null,
				postAttributeCollection: 'Test API Connector 2',
			},
		});
		const { output } = await run(planParameters(document));
		const plan = output[0].json;
		expect((plan.changes as IDataObject[]).map((change) => change.kind)).toEqual([
			'createConnector',
			'updateConnector',
			'createFlow',
			'linkStep',
			'linkStep',
			'unlinkStep',
		]);
		expect(plan.changes).toEqual([
			{
				kind: 'createConnector',
				apiConnector: 'New API',
				before: null,
				after: {
					targetUrl: 'https://api.contoso.com/new',
					authentication: { type: 'basic', username: 'new-user' },
				},
				needs: 'password',
			},
			{
				kind: 'updateConnector',
				apiConnector: 'Test API Connector 2',
				apiConnectorId: connector2.id,
				before: {
					targetUrl: 'https://someotherapi.com/api/endpoint',
					authentication: { type: 'basic', username: '<USERNAME2>' },
				},
				after: {
					targetUrl: 'https://someotherapi.com/api/v2',
					authentication: { type: 'basic', username: '<USERNAME2>' },
				},
			},
			{
				kind: 'createFlow',
				userFlowId: 'B2X_1_Second',
				before: null,
				after: {
					userFlowType: 'signUpOrSignIn',
					userFlowTypeVersion: 1,
					identityProviders: ['EmailPassword-OAUTH'],
				},
			},
			{
				kind: 'linkStep',
				userFlowId: 'B2X_1_Partner',
				step: 'postFederationSignup',
				apiConnector: 'New API',
				before: null,
				after: { apiConnector: 'New API', apiConnectorId: null },
			},
			{
				kind: 'linkStep',
				userFlowId: 'B2X_1_Second',
				step: 'postAttributeCollection',
				apiConnector: 'Test API Connector 2',
				apiConnectorId: connector2.id,
				before: null,
				after: { apiConnector: 'Test API Connector 2', apiConnectorId: connector2.id },
			},
			{
				kind: 'unlinkStep',
				userFlowId: 'B2X_1_Partner',
				step: 'postAttributeCollection',
				before: { apiConnector: 'Test API Connector 1', apiConnectorId: connector1.id },
				after: null,
			},
		]);
		expect(plan.summary).toEqual({
			createConnector: 1,
			updateConnector: 1,
			uploadCertificate: 0,
			createFlow: 1,
			linkStep: 2,
			unlinkStep: 1,
			deleteFlow: 0,
			deleteConnector: 0,
			total: 6,
		});
		expect(writesOf(graphCalls())).toEqual([]);
	});

	it('reads the document from a field of the input item', async () => {
		const { output, error } = await run(
			{
				resource: 'configuration',
				operation: 'plan',
				documentSource: 'field',
				documentField: 'document',
			},
			{ items: [{ document: SEEDED_DOCUMENT }] },
		);
		expect(error).toBeUndefined();
		expect(output[0].json.hasChanges).toBe(false);
	});

	it('reports a type or version that differs as unchangeable, not as a change', async () => {
		const document = copy();
		document.userFlows[0].identityProviders = ['EmailPassword-OAUTH'];
		const { output } = await run(planParameters(document));
		expect(output[0].json).toMatchObject({
			hasChanges: false,
			unchangeable: [
				{
					userFlowId: 'B2X_1_Partner',
					field: 'identityProviders',
					tenant: ['EmailPassword-OAUTH', 'Facebook-OAuth'],
					document: ['EmailPassword-OAUTH'],
				},
			],
		});
	});

	it('reports a flow type that differs as unchangeable: the flow is never deleted and re-created', async () => {
		tenant().userFlow('b2x', 'B2X_1_Partner')!.userFlowTypeVersion = 2;
		const { output } = await run(planParameters(SEEDED_DOCUMENT));
		expect(output[0].json).toMatchObject({
			hasChanges: false,
			unchangeable: [
				{ userFlowId: 'B2X_1_Partner', field: 'userFlowTypeVersion', tenant: 2, document: 1 },
			],
		});
	});

	it('has a fingerprint that changes with the tenant and with the document', async () => {
		const fingerprint = async (document: object) =>
			(await run(planParameters(document))).output[0].json.fingerprint;
		const first = await fingerprint(SEEDED_DOCUMENT);
		expect(await fingerprint(SEEDED_DOCUMENT)).toBe(first);
		const changed = copy();
		changed.apiConnectors[0].targetUrl = 'https://someapi.com/api/v2';
		expect(await fingerprint(changed)).not.toBe(first);
		tenant().connector(connector2.id)!.targetUrl = 'https://drift.example/api';
		expect(await fingerprint(SEEDED_DOCUMENT)).not.toBe(first);
	});

	const invalid: Array<[string, (document: Document) => unknown, RegExp]> = [
		[
			'an unknown step for the flow kind',
			(d) => (d.userFlows[0].apiConnectors.preTokenIssuance = null),
			/at \$\.userFlows\[0\]\.apiConnectors\.preTokenIssuance: External ID self-service sign-up user flows have no preTokenIssuance step/,
		],
		[
			'a connector referenced but not defined',
			(d) => (d.userFlows[0].apiConnectors.postFederationSignup = 'Missing API'),
			/at \$\.userFlows\[0\]\.apiConnectors\.postFederationSignup: the API connector "Missing API" is not defined/,
		],
		[
			'a duplicate connector name',
			(d) => d.apiConnectors.push({ ...d.apiConnectors[0] }),
			/at \$\.apiConnectors\[2\]\.displayName: The API connector "Test API Connector 1" is already defined at \$\.apiConnectors\[0\]\.displayName/,
		],
		[
			'a duplicate flow',
			(d) => d.userFlows.push({ ...d.userFlows[0], id: 'Partner' }),
			/at \$\.userFlows\[1\]\.id: The user flow "B2X_1_Partner" is already defined at \$\.userFlows\[0\]\.id/,
		],
		[
			'an http:// target',
			(d) => (d.apiConnectors[1].targetUrl = 'http://someotherapi.com/api'),
			/at \$\.apiConnectors\[1\]\.targetUrl: Target URL must be an https:\/\/ URL/,
		],
		['an unknown version', (d) => (d.version = 2), /at \$\.version: unknown version 2/],
		[
			'an unknown field',
			(d) => ((d.apiConnectors[0] as IDataObject).password = 'x'),
			/at \$\.apiConnectors\[0\]\.password: is not a field of the document/,
		],
		[
			'a B2C document on a v1.0 credential',
			(d) => (d.flowKind = 'b2c'),
			/at \$\.flowKind: Azure AD B2C user flows need the Graph beta API/,
		],
	];

	it.each(invalid)(
		'refuses %s with its JSON path, before any request',
		async (_, spoil, message) => {
			const document = copy();
			spoil(document);
			const { error } = await run(planParameters(document));
			expect(error?.message).toMatch(message);
			expect(graphCalls()).toEqual([]);
		},
	);

	it('refuses Prune with a document that names nothing, before any request', async () => {
		const { error } = await run(planParameters({ version: 1, flowKind: 'b2x' }, { prune: true }));
		expect(error?.message).toBe(
			'Prune with a document that names nothing would delete every b2x user flow and every API connector',
		);
		expect(graphCalls()).toEqual([]);
	});

	it('takes display names that differ only in case as two connectors, as Graph does', async () => {
		tenant().addConnector({
			displayName: 'test api connector 1',
			targetUrl: 'https://lower.example/api',
			authentication: { type: 'basic', username: 'u', password: 'emulator-only-password' },
		});
		const exported = (await run(exportParameters)).output[0].json.document as Document;
		expect(exported.apiConnectors.map((c) => c.displayName)).toEqual([
			'Test API Connector 1',
			'Test API Connector 2',
			'test api connector 1',
		]);
		const { output, error } = await run(planParameters(exported));
		expect(error).toBeUndefined();
		expect(output[0].json.hasChanges).toBe(false);
	});

	it('refuses a document that is not JSON, before any request', async () => {
		const { error } = await run({ ...planParameters({}), document: '{ "version": 1,' });
		expect(error?.message).toBe('The document is not valid JSON');
		expect(graphCalls()).toEqual([]);
	});

	it('refuses a document naming a connector that two tenant connectors share', async () => {
		tenant().addConnector({
			displayName: 'Test API Connector 2',
			targetUrl: 'https://elsewhere.example/api',
			authentication: { type: 'basic', username: 'u', password: 'emulator-only-password' },
		});
		const { error } = await run(planParameters(SEEDED_DOCUMENT));
		expect(error?.message).toMatch(
			/^\$\.apiConnectors\[1\]: 2 API connectors in the tenant are named "Test API Connector 2"/,
		);
		expect(writesOf(graphCalls())).toEqual([]);
	});
});

describe('Configuration > Apply', () => {
	beforeEach(seedPartnerFlow);

	it('export, then apply to an empty tenant with another credential, reproduces it (names match, ids differ)', async () => {
		const exported = (await run(exportParameters)).output[0].json.document as Document;
		const production = productionTenant();
		emulator.clearRequests();
		const applied = await run(
			planAndApply(exported, passwordsFor('Test API Connector 1', 'Test API Connector 2')),
			{ credentials: productionCredentials() },
		);
		expect(applied.error).toBeUndefined();
		expect(writesOf(graphCalls())).toEqual([
			'POST /v1.0/identity/apiConnectors',
			'POST /v1.0/identity/apiConnectors',
			'POST /v1.0/identity/b2xUserFlows',
			`PUT ${flowsPath}/B2X_1_Partner/apiConnectorConfiguration/postAttributeCollection/$ref`,
		]);
		expect(applied.output[0].json).toMatchObject({ writes: 4, requests: { read: 2, write: 4 } });
		const again = await run(exportParameters, { credentials: productionCredentials() });
		expect(again.output[0].json.document).toEqual(exported);
		const created = [...production.connectors.values()];
		expect(created.map((c) => c.id)).not.toContain(connector1.id);
		expect(created.map((c) => c.authentication)).toEqual([
			{ type: 'basic', username: '<USERNAME>', password: NEW_PASSWORD },
			{ type: 'basic', username: '<USERNAME2>', password: NEW_PASSWORD },
		]);
		expect(production.userFlow('b2x', 'B2X_1_Partner')?.apiConnectors).toEqual({
			postAttributeCollection: created[0].id,
		});
	});

	it('applied twice, writes nothing the second time', async () => {
		const document = copy();
		document.userFlows[0].apiConnectors.postFederationSignup = 'Test API Connector 2';
		const first = await run(planAndApply(document));
		expect(first.output[0].json.writes).toBe(1);
		emulator.clearRequests();
		const second = await run(planAndApply(document));
		expect(second.output[0].json).toMatchObject({ writes: 0, applied: [] });
		expect(writesOf(graphCalls())).toEqual([]);
	});

	it('unlinks a step the document turns off', async () => {
		const document = copy();
		document.userFlows[0].apiConnectors.postAttributeCollection = null;
		const { output } = await run(planAndApply(document));
		expect(graphCalls().filter((call) => call.method === 'PUT')).toEqual([
			{
				method: 'PUT',
				path: `${flowsPath}/B2X_1_Partner/apiConnectorConfiguration/postAttributeCollection/$ref`,
				query: {},
				body: {},
			},
		]);
		expect(output[0].json.writes).toBe(1);
		expect(tenant().userFlow('b2x', 'B2X_1_Partner')?.apiConnectors).toEqual({});
	});

	it('updates a changed target URL in place: the connector keeps its id and its flows', async () => {
		const document = copy();
		document.apiConnectors[0].targetUrl = 'https://someapi.com/api/v2';
		const { output } = await run(planAndApply(document));
		expect(graphCalls().filter((call) => call.method !== 'GET')).toEqual([
			{
				method: 'PATCH',
				path: `/v1.0/identity/apiConnectors/${connector1.id}`,
				query: {},
				body: { targetUrl: 'https://someapi.com/api/v2' },
			},
		]);
		expect(output[0].json.applied).toMatchObject([
			{ kind: 'updateConnector', result: { apiConnectorId: connector1.id } },
		]);
		expect(tenant().connector(connector1.id)?.targetUrl).toBe('https://someapi.com/api/v2');
		expect(tenant().userFlow('b2x', 'B2X_1_Partner')?.apiConnectors.postAttributeCollection).toBe(
			connector1.id,
		);
	});

	it('uploads a new certificate and keeps the old one', async () => {
		const old = makePfx({ password: TEST_PFX_PASSWORD, commonName: 'old.test' });
		const next = makePfx({ password: TEST_PFX_PASSWORD, commonName: 'next.test' });
		const connector = tenant().addConnector({
			displayName: 'Certificate API',
			targetUrl: 'https://api.contoso.com/cert',
			authentication: {
				type: 'clientCertificate',
				certificates: [tenant().certificateUploaded(old)],
			},
		});
		const document = copy();
		(document.apiConnectors as IDataObject[]).unshift({
			displayName: 'Certificate API',
			targetUrl: 'https://api.contoso.com/cert',
			authentication: {
				type: 'clientCertificate',
				certificates: [{ thumbprint: old.thumbprint }, { thumbprint: next.thumbprint }],
			},
		});
		const pfxItem: INodeExecutionData = {
			json: {},
			binary: { nextPfx: { data: next.base64, mimeType: 'application/x-pkcs12' } },
		};
		const parameters = planAndApply(document, {
			connectorSecrets: {
				secret: [
					{
						apiConnector: 'Certificate API',
						binaryPropertyName: 'nextPfx',
						pfxPassword: TEST_PFX_PASSWORD,
					},
				],
			},
		});
		const { output, error } = await run(parameters, { inputItems: [pfxItem] });
		expect(error).toBeUndefined();
		expect(writesOf(graphCalls())).toEqual([
			`POST /v1.0/identity/apiConnectors/${connector.id}/uploadClientCertificate`,
		]);
		expect(output[0].json.applied).toMatchObject([
			{
				kind: 'uploadCertificate',
				before: { certificates: [old.thumbprint] },
				after: { certificates: [old.thumbprint, next.thumbprint] },
			},
		]);
		const stored = tenant().connector(connector.id)!.authentication;
		expect(
			stored.type === 'clientCertificate' && stored.certificates.map((c) => c.thumbprint),
		).toEqual([old.thumbprint, next.thumbprint]);
		emulator.clearRequests();
		const again = await run(parameters, { inputItems: [pfxItem] });
		expect(again.output[0].json.writes).toBe(0);
	});

	it('switches a basic connector to a certificate in place, with the .pfx from Connector Secrets', async () => {
		const pfx = makePfx({ password: TEST_PFX_PASSWORD, commonName: 'switch.test' });
		const document = copy();
		document.apiConnectors[1].authentication = {
			type: 'clientCertificate',
			certificates: [{ thumbprint: pfx.thumbprint }],
		};
		const { output, error } = await run(
			planAndApply(document, {
				connectorSecrets: {
					secret: [
						{
							apiConnector: 'Test API Connector 2',
							binaryPropertyName: 'pfx',
							pfxPassword: TEST_PFX_PASSWORD,
						},
					],
				},
			}),
			{
				inputItems: [
					{ json: {}, binary: { pfx: { data: pfx.base64, mimeType: 'application/x-pkcs12' } } },
				],
			},
		);
		expect(error).toBeUndefined();
		expect(graphCalls().filter((call) => call.method !== 'GET')).toEqual([
			{
				method: 'PATCH',
				path: `/v1.0/identity/apiConnectors/${connector2.id}`,
				query: {},
				body: {
					authenticationConfiguration: {
						'@odata.type': '#microsoft.graph.pkcs12Certificate',
						pkcs12Value: '[redacted]',
						password: '[redacted]',
					},
				},
			},
		]);
		expect(output[0].json.writes).toBe(1);
		// The PATCH answers 204: the connector is read back to see the certificate the .pfx held.
		expect(graphCalls().at(-1)).toMatchObject({
			method: 'GET',
			path: `/v1.0/identity/apiConnectors/${connector2.id}`,
		});
		const stored = tenant().connector(connector2.id)!.authentication;
		expect(stored.type === 'clientCertificate' && stored.certificates[0].thumbprint).toBe(
			pfx.thumbprint,
		);
	});

	it('says so when the .pfx holds another certificate than the document lists, counting the upload as applied', async () => {
		const listed = makePfx({ password: TEST_PFX_PASSWORD, commonName: 'listed.test' });
		const given = makePfx({ password: TEST_PFX_PASSWORD, commonName: 'given.test' });
		const connector = tenant().addConnector({
			displayName: 'Certificate API',
			targetUrl: 'https://api.contoso.com/cert',
			authentication: { type: 'clientCertificate', certificates: [] },
		});
		const document = copy();
		document.apiConnectors.unshift({
			displayName: 'Certificate API',
			targetUrl: 'https://api.contoso.com/cert',
			authentication: {
				type: 'clientCertificate',
				certificates: [{ thumbprint: listed.thumbprint }],
			},
		});
		const { error } = await run(
			planAndApply(document, {
				connectorSecrets: {
					secret: [
						{
							apiConnector: 'Certificate API',
							binaryPropertyName: 'pfx',
							pfxPassword: TEST_PFX_PASSWORD,
						},
					],
				},
			}),
			{
				inputItems: [
					{ json: {}, binary: { pfx: { data: given.base64, mimeType: 'application/x-pkcs12' } } },
				],
			},
		);
		expect(error?.message).toBe(
			`Apply stopped at change 1 of 1 (uploadCertificate Certificate API): The .pfx given for "Certificate API" does not hold the certificate ${listed.thumbprint} that the document lists; the connector now has ${given.thumbprint}`,
		);
		expect(error?.description).toContain(
			'Applied (now in the tenant): uploadCertificate Certificate API. Not applied: none.',
		);
		const stored = tenant().connector(connector.id)!.authentication;
		expect(
			stored.type === 'clientCertificate' && stored.certificates.map((c) => c.thumbprint),
		).toEqual([given.thumbprint]);
	});

	it('with Prune, deletes only the flows and connectors the document does not name, unlinking first', async () => {
		tenant().addUserFlow({
			id: 'B2X_1_Old',
			kind: 'b2x',
			apiConnectors: { postFederationSignup: connector2.id },
		});
		const document = copy();
		document.apiConnectors.pop();
		const withoutPrune = await run(planAndApply(document));
		expect(withoutPrune.output[0].json.writes).toBe(0);
		const { output } = await run(planAndApply(document, { planOptions: { prune: true } }));
		expect((output[0].json.applied as IDataObject[]).map((c) => c.kind)).toEqual([
			'deleteFlow',
			'deleteConnector',
		]);
		expect(tenant().userFlow('b2x', 'B2X_1_Old')).toBeUndefined();
		expect(tenant().connector(connector2.id)).toBeUndefined();
		expect(tenant().connector(connector1.id)).toBeDefined();
		expect(tenant().userFlow('b2x', 'B2X_1_Partner')?.apiConnectors).toEqual({
			postAttributeCollection: connector1.id,
		});
		// A step of a flow the document keeps, linking a connector it drops: unlinked before the delete.
		tenant().userFlow('b2x', 'B2X_1_Partner')!.apiConnectors.postFederationSignup = connector1.id;
		const dropped = copy();
		dropped.apiConnectors = [];
		dropped.userFlows[0].apiConnectors.postAttributeCollection = null;
		emulator.clearRequests();
		await run(planAndApply(dropped, { planOptions: { prune: true } }));
		expect(writesOf(graphCalls())).toEqual([
			`PUT ${flowsPath}/B2X_1_Partner/apiConnectorConfiguration/postAttributeCollection/$ref`,
			`PUT ${flowsPath}/B2X_1_Partner/apiConnectorConfiguration/postFederationSignup/$ref`,
			`DELETE /v1.0/identity/apiConnectors/${connector1.id}`,
		]);
	});

	it('applies an approved plan when the tenant is as it was planned', async () => {
		const document = copy();
		document.apiConnectors[0].targetUrl = 'https://someapi.com/api/v2';
		const plan = (await run(planParameters(document))).output[0].json;
		emulator.clearRequests();
		const { output, error } = await run(
			{ resource: 'configuration', operation: 'apply', plan: '={{ $json }}' },
			{ items: [plan] },
		);
		expect(error).toBeUndefined();
		expect(output[0].json).toMatchObject({ fingerprint: plan.fingerprint, writes: 1 });
	});

	it('refuses a stale plan and writes nothing', async () => {
		const document = copy();
		document.apiConnectors[0].targetUrl = 'https://someapi.com/api/v2';
		const plan = (await run(planParameters(document))).output[0].json;
		// Someone changes the tenant between the plan and its approval.
		tenant().userFlow('b2x', 'B2X_1_Partner')!.apiConnectors.postFederationSignup = connector2.id;
		emulator.clearRequests();
		const { error } = await run({
			resource: 'configuration',
			operation: 'apply',
			plan: JSON.stringify(plan),
		});
		expect(error?.message).toBe(
			'Stale plan: the tenant changed since the plan was made, so nothing was applied',
		);
		expect(writesOf(graphCalls())).toEqual([]);
		expect(tenant().connector(connector1.id)?.targetUrl).toBe(connector1.targetUrl);
	});

	it('after a partial failure says what was applied and what was not, and converges on a re-run', async () => {
		const document = copy();
		document.apiConnectors[0].targetUrl = 'https://someapi.com/api/v2';
		document.userFlows[0].apiConnectors = {
			postFederationSignup: 'Test API Connector 2',
			postAttributeCollection: null,
		};
		emulator.injectFault({
			target: 'graph',
			kind: 'status',
			status: 500,
			method: 'PUT',
			pathIncludes: 'postFederationSignup',
		});
		const failed = await run(planAndApply(document));
		expect(failed.error?.message).toMatch(
			/^Apply stopped at change 2 of 3 \(linkStep B2X_1_Partner postFederationSignup Test API Connector 2\): /,
		);
		expect(failed.error?.description).toContain(
			`Applied (now in the tenant): updateConnector Test API Connector 1. Not applied: linkStep B2X_1_Partner postFederationSignup Test API Connector 2; unlinkStep B2X_1_Partner postAttributeCollection.`,
		);
		expect(tenant().connector(connector1.id)?.targetUrl).toBe('https://someapi.com/api/v2');
		emulator.clearRequests();
		const rerun = await run(planAndApply(document));
		expect((rerun.output[0].json.applied as IDataObject[]).map((c) => c.kind)).toEqual([
			'linkStep',
			'unlinkStep',
		]);
		expect(tenant().userFlow('b2x', 'B2X_1_Partner')?.apiConnectors).toEqual({
			postFederationSignup: connector2.id,
		});
		expect((await run(planAndApply(document))).output[0].json.writes).toBe(0);
	});

	it('makes changes of one kind side by side (here in $batch requests) and, when one fails, names exactly which were applied', async () => {
		for (const id of ['B2X_1_A', 'B2X_1_B', 'B2X_1_C']) tenant().addUserFlow({ id, kind: 'b2x' });
		const document = copy();
		for (const id of ['B2X_1_A', 'B2X_1_B', 'B2X_1_C']) {
			document.userFlows.push({
				id,
				userFlowType: 'signUpOrSignIn',
				userFlowTypeVersion: 1,
				identityProviders: [],
				apiConnectors: {
					postFederationSignup: null,
					postAttributeCollection: 'Test API Connector 2',
				},
			});
		}
		emulator.injectFault({
			target: 'graph',
			kind: 'status',
			status: 500,
			method: 'PUT',
			pathIncludes: 'B2X_1_B/',
		});
		const failed = await run(planAndApply(document, { requestOptions: { batching: true } }));
		expect(graphCalls().some((call) => call.path === '/v1.0/$batch')).toBe(true);
		expect(failed.error?.message).toMatch(
			/^Apply stopped at change 2 of 3 \(linkStep B2X_1_B postAttributeCollection Test API Connector 2\): /,
		);
		expect(failed.error?.description).toContain(
			'Applied (now in the tenant): linkStep B2X_1_A postAttributeCollection Test API Connector 2; linkStep B2X_1_C postAttributeCollection Test API Connector 2. Not applied: linkStep B2X_1_B postAttributeCollection Test API Connector 2.',
		);
		expect(tenant().userFlow('b2x', 'B2X_1_C')?.apiConnectors).toEqual({
			postAttributeCollection: connector2.id,
		});
		const rerun = await run(planAndApply(document));
		expect(rerun.output[0].json.writes).toBe(1);
	});

	it('sets passwords only with Set Passwords, and never shows one', async () => {
		const withoutOption = await run(
			planAndApply(SEEDED_DOCUMENT, passwordsFor('Test API Connector 1')),
		);
		expect(withoutOption.output[0].json).toMatchObject({
			writes: 0,
			passwords: { notCompared: ['Test API Connector 1', 'Test API Connector 2'], set: [] },
		});
		const { output, error } = await run(
			planAndApply(SEEDED_DOCUMENT, {
				planOptions: { setPasswords: true },
				...passwordsFor('Test API Connector 1', 'Test API Connector 2'),
			}),
		);
		expect(error).toBeUndefined();
		expect(output[0].json).toMatchObject({
			writes: 2,
			passwords: { notCompared: [], set: ['Test API Connector 1', 'Test API Connector 2'] },
		});
		const connector = tenant().connector(connector1.id)!.authentication;
		expect(connector).toEqual({ type: 'basic', username: '<USERNAME>', password: NEW_PASSWORD });
		expect(JSON.stringify(output)).not.toContain(NEW_PASSWORD);
	});

	it('refuses, writing nothing, when a change needs a secret that Connector Secrets lack', async () => {
		const document = copy();
		document.apiConnectors[0].authentication.username = 'renamed-user';
		const { error } = await run(planAndApply(document));
		expect(error?.message).toBe(
			'Nothing was applied: Connector Secrets lack a password for "Test API Connector 1" (updateConnector)',
		);
		expect(writesOf(graphCalls())).toEqual([]);
	});

	it("refuses Graph's password mask as a secret", async () => {
		const document = copy();
		document.apiConnectors[0].authentication.username = 'renamed-user';
		const { error } = await run(
			planAndApply(document, {
				connectorSecrets: {
					secret: [{ apiConnector: 'Test API Connector 1', password: '******' }],
				},
			}),
		);
		expect(error?.message).toBe(
			"The password is Graph's mask ******, not the connector's password",
		);
		expect(writesOf(graphCalls())).toEqual([]);
	});

	it('masks Connector Secrets in the parameters an error carries', async () => {
		const document = copy();
		document.apiConnectors[0].authentication.username = 'renamed-user';
		emulator.injectFault({ target: 'graph', kind: 'status', status: 500, method: 'PATCH' });
		const { error } = await run(planAndApply(document, passwordsFor('Test API Connector 1')));
		expect(error?.message).toMatch(/^Apply stopped at change 1 of 1/);
		const parameters = (error as unknown as { node: { parameters: IDataObject } }).node.parameters;
		expect(JSON.stringify(parameters)).not.toContain(NEW_PASSWORD);
		expect(parameters.connectorSecrets).toMatchObject({
			secret: [{ apiConnector: 'Test API Connector 1', password: '******' }],
		});
	});
});

describe('Configuration > Export, against a Graph that expands less on the flow list', () => {
	const graph = useHostileGraph();
	const connectorBody = {
		id: connector1.id,
		displayName: connector1.displayName,
		targetUrl: connector1.targetUrl,
		authenticationConfiguration: {
			'@odata.type': '#microsoft.graph.basicAuthentication',
			username: connector1.username,
			password: '******',
		},
	};
	const flowBody = { id: 'B2X_1_Partner', userFlowType: 'signUpOrSignIn', userFlowTypeVersion: 1 };
	const graphError = (status: number, code: string, message: string) => ({
		status,
		body: { error: { code, message, innerError: { 'request-id': 'hostile-request-id' } } },
	});

	/** Graph's answers by path; `flowList` decides how the flow list answers its $expand. */
	const answering =
		(flowList: (expand: string | null) => HostileAnswer) => (request: SeenRequest) => {
			const url = new URL(request.url, graph.url);
			switch (url.pathname) {
				case '/v1.0/identity/apiConnectors':
					return { status: 200, body: { value: [connectorBody] } };
				case '/v1.0/identity/b2xUserFlows':
					return flowList(url.searchParams.get('$expand'));
				case '/v1.0/identity/b2xUserFlows/B2X_1_Partner/apiConnectorConfiguration':
					return {
						status: 200,
						body: { postFederationSignup: null, postAttributeCollection: connectorBody },
					};
				case '/v1.0/identity/b2xUserFlows/B2X_1_Partner/identityProviders':
					return {
						status: 200,
						body: { value: [{ id: 'EmailPassword-OAUTH', type: 'EmailPassword', name: 'Email' }] },
					};
				default:
					return graphError(404, 'ResourceNotFound', `No ${url.pathname}`);
			}
		};
	const expected = {
		version: 1,
		flowKind: 'b2x',
		apiConnectors: [SEEDED_DOCUMENT.apiConnectors[0]],
		userFlows: [
			{
				id: 'B2X_1_Partner',
				userFlowType: 'signUpOrSignIn',
				userFlowTypeVersion: 1,
				identityProviders: ['EmailPassword-OAUTH'],
				apiConnectors: {
					postFederationSignup: null,
					postAttributeCollection: 'Test API Connector 1',
				},
			},
		],
	};
	const paths = () => graph.seen.map((request) => decodeURIComponent(request.url));

	it('reads each flow on its own when the list comes back without the expansions', async () => {
		graph.direct = answering(() => ({ status: 200, body: { value: [flowBody] } }));
		const { output, error } = await run(exportParameters, {
			credentials: credentials({ graphBaseUrl: graph.url }),
		});
		expect(error).toBeUndefined();
		expect(output[0].json).toEqual({ document: expected, requests: 4 });
		expect(paths()).toEqual(
			expect.arrayContaining([
				'/v1.0/identity/b2xUserFlows/B2X_1_Partner/apiConnectorConfiguration?$expand=postFederationSignup,postAttributeCollection',
				'/v1.0/identity/b2xUserFlows/B2X_1_Partner/identityProviders?$top=100',
			]),
		);
	});

	it('asks again with less expanded when Graph refuses the expansion (400)', async () => {
		graph.direct = answering((expand) =>
			expand === 'identityProviders'
				? {
						status: 200,
						body: { value: [{ ...flowBody, identityProviders: [{ id: 'EmailPassword-OAUTH' }] }] },
					}
				: graphError(400, 'BadRequest', 'Parsing OData Select and Expand failed'),
		);
		const { output, error } = await run(exportParameters, {
			credentials: credentials({ graphBaseUrl: graph.url }),
		});
		expect(error).toBeUndefined();
		expect(output[0].json).toEqual({ document: expected, requests: 4 });
		expect(paths().filter((path) => path.startsWith('/v1.0/identity/b2xUserFlows?'))).toEqual([
			'/v1.0/identity/b2xUserFlows?$expand=identityProviders,apiConnectorConfiguration/postFederationSignup,apiConnectorConfiguration/postAttributeCollection&$top=100',
			'/v1.0/identity/b2xUserFlows?$expand=identityProviders&$top=100',
		]);
	});

	it('fails with Graph’s error when the list without any expansion is refused too', async () => {
		graph.direct = answering(() => graphError(400, 'BadRequest', 'Parsing OData failed'));
		const { error } = await run(exportParameters, {
			credentials: credentials({ graphBaseUrl: graph.url }),
		});
		expect(error?.message).toMatch(/Parsing OData failed/);
		expect(paths().filter((path) => path.startsWith('/v1.0/identity/b2xUserFlows'))).toHaveLength(
			3,
		);
	});
});
