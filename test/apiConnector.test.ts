// API Connector resource over /identity/apiConnectors, run through n8n's engine against the emulator:
// the requests Graph receives, the outputs, the binary .pfx path, and that no secret ever reaches an output.
import type { INodeExecutionData } from 'n8n-workflow';

import { SEEDED_CONNECTORS } from '../emulator/state';
import { secretCredential } from './support/credentials';
import { byId } from './support/parameters';
import { makePfx, TEST_PFX_PASSWORD } from './support/pfx';
import { runNode, type NodeRunResult } from './support/runWorkflow';
import { registerSecret } from './support/secrets';
import { useEmulator, withEmulator, type RunOptions } from './support/useEmulator';

const fixture = useEmulator();
const { emulator } = fixture;
const [connector1] = SEEDED_CONNECTORS;
const BASIC_PASSWORD = 'connector-basic-password-Zq81';
registerSecret(BASIC_PASSWORD);
registerSecret('not-the-pfx-password');

const graphCalls = () =>
	emulator
		.graphRequests()
		.map(({ method, path, query, body, status }) => ({ method, path, query, body, status }));
const pfxItem = (pfx: Buffer, field = 'data'): INodeExecutionData => ({
	json: {},
	binary: {
		[field]: {
			data: pfx.toString('base64'),
			mimeType: 'application/x-pkcs12',
			fileName: 'client.pfx',
		},
	},
});

const run = (parameters: Record<string, unknown>, options: RunOptions = {}) =>
	fixture.run({ resource: 'apiConnector', ...parameters }, options);

/** Every secret that went in must be absent from everything that came out. */
function expectNoSecrets(result: NodeRunResult, secrets: string[]) {
	const seen = JSON.stringify({
		output: result.output.map((item) => item.json),
		error: result.error,
		message: result.error?.message,
		description: result.error?.description,
	});
	for (const secret of secrets) expect(seen).not.toContain(secret);
}

describe('Create', () => {
	it('with basic authentication: the documented body, the password masked in the output', async () => {
		const result = await run({
			operation: 'create',
			displayName: 'Validate partner sign-up',
			targetUrl: 'https://api.contoso.com/signup/validate',
			authenticationType: 'basic',
			username: 'n8n',
			password: BASIC_PASSWORD,
		});
		expect(graphCalls()).toEqual([
			{
				method: 'POST',
				path: '/v1.0/identity/apiConnectors',
				query: {},
				status: 201,
				// The emulator records secrets redacted; the stored connector proves the real value arrived.
				body: {
					displayName: 'Validate partner sign-up',
					targetUrl: 'https://api.contoso.com/signup/validate',
					authenticationConfiguration: {
						'@odata.type': '#microsoft.graph.basicAuthentication',
						username: 'n8n',
						password: '[redacted]',
					},
				},
			},
		]);
		const created = result.output[0].json;
		expect(created).toEqual({
			id: expect.stringMatching(/^[0-9a-f-]{36}$/),
			displayName: 'Validate partner sign-up',
			targetUrl: 'https://api.contoso.com/signup/validate',
			authenticationConfiguration: {
				'@odata.type': '#microsoft.graph.basicAuthentication',
				username: 'n8n',
				password: '******',
			},
		});
		const stored = emulator.state
			.requireTenant(emulator.defaults.tenantId)
			.connector(String(created.id));
		expect(stored?.authentication).toMatchObject({ type: 'basic', password: BASIC_PASSWORD });
		expectNoSecrets(result, [BASIC_PASSWORD]);
	});

	it('with a client certificate from the binary field: pkcs12Certificate in, certificate list out (epoch and ISO dates)', async () => {
		const pfx = makePfx({ password: TEST_PFX_PASSWORD });
		const result = await run(
			{
				operation: 'create',
				displayName: 'Certificate API',
				targetUrl: 'https://api.contoso.com/cert',
				authenticationType: 'clientCertificate',
				binaryPropertyName: 'certificate',
				pfxPassword: TEST_PFX_PASSWORD,
			},
			{ inputItems: [pfxItem(pfx.pfx, 'certificate')] },
		);
		expect(result.error).toBeUndefined();
		expect(graphCalls()[0].body).toEqual({
			displayName: 'Certificate API',
			targetUrl: 'https://api.contoso.com/cert',
			authenticationConfiguration: {
				'@odata.type': '#microsoft.graph.pkcs12Certificate',
				pkcs12Value: '[redacted]',
				password: '[redacted]',
			},
		});
		const notBefore = pfx.notBefore.getTime() / 1000;
		const notAfter = pfx.notAfter.getTime() / 1000;
		expect(result.output[0].json.authenticationConfiguration).toEqual({
			'@odata.type': '#microsoft.graph.clientCertificateAuthentication',
			certificateList: [
				{
					thumbprint: pfx.thumbprint,
					notBefore,
					notAfter,
					notBeforeIso: pfx.notBefore.toISOString(),
					notAfterIso: pfx.notAfter.toISOString(),
					isActive: true,
				},
			],
		});
		expectNoSecrets(result, [pfx.base64, pfx.base64.slice(100, 160), TEST_PFX_PASSWORD]);
	});

	it.each([
		['http', 'http://api.contoso.com/validate'],
		['no scheme', 'api.contoso.com/validate'],
		['javascript', 'javascript:alert(1)'],
		['empty', ''],
	])('refuses a %s target URL before any request', async (_what, targetUrl) => {
		const result = await run({
			operation: 'create',
			displayName: 'x',
			targetUrl: `={{ ${JSON.stringify(targetUrl)} }}`,
			authenticationType: 'basic',
			username: 'u',
			password: BASIC_PASSWORD,
		});
		expect(result.error?.message).toMatch(/^Target URL must be an https:\/\/ URL/);
		expect(emulator.graphRequests()).toHaveLength(0);
		expectNoSecrets(result, [BASIC_PASSWORD]);
	});

	it('refuses an item without the binary field before any request, naming the field', async () => {
		const result = await run(
			{
				operation: 'create',
				displayName: 'x',
				targetUrl: 'https://a.example/x',
				authenticationType: 'clientCertificate',
				binaryPropertyName: 'pfx',
				pfxPassword: TEST_PFX_PASSWORD,
			},
			{ inputItems: [{ json: {} }] },
		);
		expect(result.error?.message).toMatch(/pfx/);
		expect(emulator.graphRequests()).toHaveLength(0);
	});

	it('a wrong .pfx password: Graph 400 with its message, and neither password nor certificate in the error', async () => {
		const pfx = makePfx({ password: TEST_PFX_PASSWORD });
		const result = await run(
			{
				operation: 'create',
				displayName: 'x',
				targetUrl: 'https://a.example/x',
				authenticationType: 'clientCertificate',
				binaryPropertyName: 'data',
				pfxPassword: 'not-the-pfx-password',
			},
			{ inputItems: [pfxItem(pfx.pfx)] },
		);
		expect(result.error?.httpCode).toBe('400');
		expect(result.error?.message).toMatch(
			/^Microsoft Graph error \w+: The password does not match the PKCS 12/,
		);
		expectNoSecrets(result, ['not-the-pfx-password', TEST_PFX_PASSWORD, pfx.base64.slice(0, 80)]);
	});
});

describe('Get, Get Many, Update, Upload Client Certificate, Delete', () => {
	it('Get by ID and by URL', async () => {
		const byIdResult = await run({ operation: 'get', apiConnector: byId(connector1.id) });
		expect(byIdResult.output[0].json).toMatchObject({
			id: connector1.id,
			displayName: 'Test API Connector 1',
		});
		const byUrl = await run({
			operation: 'get',
			apiConnector: {
				__rl: true,
				mode: 'url',
				value: `${emulator.graphBaseUrl}/v1.0/identity/apiConnectors/${connector1.id}`,
			},
		});
		expect(byUrl.output[0].json.id).toBe(connector1.id);
		expect(graphCalls().map((c) => c.path)).toEqual([
			`/v1.0/identity/apiConnectors/${connector1.id}`,
			`/v1.0/identity/apiConnectors/${connector1.id}`,
		]);
	});

	it('Get Many: all, or up to a limit', async () => {
		const tenant = emulator.state.requireTenant(emulator.defaults.tenantId);
		for (let i = 0; i < 3; i++)
			tenant.addConnector({
				displayName: `extra ${i}`,
				targetUrl: 'https://x.example',
				authentication: { type: 'basic', username: 'u', password: `extra-password-${i}` },
			});
		const all = await run({ operation: 'getAll', returnAll: true });
		expect(all.output).toHaveLength(5);
		const limited = await run({ operation: 'getAll', returnAll: false, limit: 2 });
		expect(limited.output.map((item) => item.json.displayName)).toEqual([
			'Test API Connector 1',
			'Test API Connector 2',
		]);
		expectNoSecrets(all, ['extra-password-0', connector1.password]);
	});

	it('Get Many follows @odata.nextLink page by page', async () => {
		await withEmulator({ pageSize: 2 }, async (paged) => {
			const tenant = paged.state.requireTenant(paged.defaults.tenantId);
			for (let i = 0; i < 3; i++)
				tenant.addConnector({
					displayName: `paged ${i}`,
					targetUrl: 'https://x.example',
					authentication: { type: 'basic', username: 'u', password: `paged-password-${i}` },
				});
			const { output } = await runNode({
				parameters: { resource: 'apiConnector', operation: 'getAll', returnAll: true } as never,
				credentials: secretCredential(paged),
			});
			expect(output).toHaveLength(5);
			expect(paged.graphRequests().map((r) => Boolean(r.query.$skiptoken))).toEqual([
				false,
				true,
				true,
			]);
		});
	});

	it('Update sends only the fields given, then reads the connector back', async () => {
		const result = await run({
			operation: 'update',
			apiConnector: byId(connector1.id),
			updateFields: { displayName: 'Renamed' },
			authenticationType: 'unchanged',
		});
		expect(graphCalls()).toEqual([
			{
				method: 'PATCH',
				path: `/v1.0/identity/apiConnectors/${connector1.id}`,
				query: {},
				body: { displayName: 'Renamed' },
				status: 204,
			},
			{
				method: 'GET',
				path: `/v1.0/identity/apiConnectors/${connector1.id}`,
				query: {},
				body: undefined,
				status: 200,
			},
		]);
		expect(result.output[0].json).toMatchObject({
			id: connector1.id,
			displayName: 'Renamed',
			targetUrl: 'https://someapi.com/api/endpoint',
		});
	});

	it('Update with nothing to change is refused before any request', async () => {
		const result = await run({
			operation: 'update',
			apiConnector: byId(connector1.id),
			updateFields: {},
			authenticationType: 'unchanged',
		});
		expect(result.error?.message).toBe('Nothing to update');
		expect(emulator.graphRequests()).toHaveLength(0);
	});

	it('Update refuses a non-https target URL before any request', async () => {
		const result = await run({
			operation: 'update',
			apiConnector: byId(connector1.id),
			updateFields: { targetUrl: 'http://plain.example' },
			authenticationType: 'unchanged',
		});
		expect(result.error?.message).toMatch(/Target URL must be an https:\/\/ URL/);
		expect(emulator.graphRequests()).toHaveLength(0);
	});

	it('Upload Client Certificate appends; the newest valid certificate becomes the active one', async () => {
		const first = makePfx({
			password: TEST_PFX_PASSWORD,
			notBefore: new Date(Date.now() - 48 * 3600_000),
		});
		const second = makePfx({ password: TEST_PFX_PASSWORD, commonName: 'rollover.test' });
		const parameters = {
			operation: 'uploadClientCertificate',
			apiConnector: byId(connector1.id),
			binaryPropertyName: 'data',
			pfxPassword: TEST_PFX_PASSWORD,
		};
		await run(parameters, { inputItems: [pfxItem(first.pfx)] });
		const result = await run(parameters, { inputItems: [pfxItem(second.pfx)] });
		expect(graphCalls().map((c) => [c.method, c.path, c.body, c.status])).toEqual([
			[
				'POST',
				`/v1.0/identity/apiConnectors/${connector1.id}/uploadClientCertificate`,
				{ pkcs12Value: '[redacted]', password: '[redacted]' },
				200,
			],
			[
				'POST',
				`/v1.0/identity/apiConnectors/${connector1.id}/uploadClientCertificate`,
				{ pkcs12Value: '[redacted]', password: '[redacted]' },
				200,
			],
		]);
		const list = (
			result.output[0].json.authenticationConfiguration as {
				certificateList: Array<{ thumbprint: string; isActive: boolean }>;
			}
		).certificateList;
		expect(list.map((c) => [c.thumbprint, c.isActive])).toEqual([
			[first.thumbprint, false],
			[second.thumbprint, true],
		]);
		expectNoSecrets(result, [second.base64.slice(0, 80), TEST_PFX_PASSWORD]);
	});

	it('Delete', async () => {
		const result = await run({ operation: 'delete', apiConnector: byId(connector1.id) });
		expect(result.output[0].json).toEqual({ apiConnectorId: connector1.id, deleted: true });
		expect(graphCalls()).toEqual([
			{
				method: 'DELETE',
				path: `/v1.0/identity/apiConnectors/${connector1.id}`,
				query: {},
				body: undefined,
				status: 204,
			},
		]);
		expect(
			emulator.state.requireTenant(emulator.defaults.tenantId).connector(connector1.id),
		).toBeUndefined();
	});

	it('continue-on-fail: a missing connector becomes an error item paired to its input, the rest still runs', async () => {
		const result = await run(
			{ operation: 'get', apiConnector: byId('={{ $json.id }}') },
			{
				inputItems: [
					{ json: { id: connector1.id } },
					{ json: { id: '00000000-0000-4000-8000-00000000beef' } },
					{ json: { id: 'not-a-guid' } },
				],
				continueOnFail: true,
			},
		);
		expect(result.output.map((item) => item.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 1 },
			{ item: 2 },
		]);
		expect(result.output[0].json.id).toBe(connector1.id);
		expect(result.output[1].json).toMatchObject({ httpCode: '404', code: 'ResourceNotFound' });
		expect(result.output[2].json.error).toMatch(/is not an API connector ID/);
		expect(graphCalls()).toHaveLength(2);
	});
});

describe("Graph's password mask is never written back", () => {
	const MASK = '******';
	const storedAuthentication = () =>
		emulator.state.requireTenant(emulator.defaults.tenantId).connector(connector1.id)
			?.authentication;

	it('Update with Basic and the password of a Get (******) is refused before any request; the stored password stays', async () => {
		const got = await run({ operation: 'get', apiConnector: byId(connector1.id) });
		expect(got.output[0].json.authenticationConfiguration).toMatchObject({ password: MASK });
		emulator.reset();
		const result = await run(
			{
				operation: 'update',
				apiConnector: byId('={{ $json.id }}'),
				updateFields: { displayName: 'Renamed' },
				authenticationType: 'basic',
				username: '={{ $json.authenticationConfiguration.username }}',
				password: '={{ $json.authenticationConfiguration.password }}',
			},
			{ inputItems: [{ json: got.output[0].json }] },
		);
		expect(result.error?.name).toBe('NodeOperationError');
		expect(result.error?.message).toBe(
			"The password is Graph's mask ******, not the connector's password",
		);
		expect(result.error?.description).toMatch(/Keep Unchanged/);
		expect(emulator.graphRequests()).toEqual([]);
		expect(storedAuthentication()).toMatchObject({
			type: 'basic',
			password: connector1.password,
		});
	});

	it('Create with the mask as password is refused before any request', async () => {
		const result = await run({
			operation: 'create',
			displayName: 'Copied connector',
			targetUrl: 'https://api.contoso.com/signup/validate',
			authenticationType: 'basic',
			username: 'n8n',
			password: MASK,
		});
		expect(result.error?.name).toBe('NodeOperationError');
		expect(result.error?.message).toBe(
			"The password is Graph's mask ******, not the connector's password",
		);
		expect(emulator.graphRequests()).toEqual([]);
	});

	it('Update with Authentication left at its default (Keep Unchanged) sends no authenticationConfiguration', async () => {
		const result = await run({
			operation: 'update',
			apiConnector: byId(connector1.id),
			updateFields: { targetUrl: 'https://api.contoso.com/v2' },
		});
		expect(result.error).toBeUndefined();
		const [patch] = graphCalls();
		expect(patch).toMatchObject({ method: 'PATCH', status: 204 });
		expect(patch.body).toEqual({ targetUrl: 'https://api.contoso.com/v2' });
		expect(storedAuthentication()).toMatchObject({
			type: 'basic',
			password: connector1.password,
		});
	});
});

describe('Create whose effect may have happened unseen: never a second connector', () => {
	const createBasic = {
		operation: 'create',
		displayName: 'Unseen',
		targetUrl: 'https://api.contoso.com/unseen',
		authenticationType: 'basic',
		username: 'n8n',
		password: BASIC_PASSWORD,
	};
	const unseen = () =>
		emulator
			.graphRequests()
			.filter((request) => request.method === 'POST' && request.path.endsWith('/apiConnectors'));

	it.each([503, 504] as const)(
		'answered %i after Graph created it: not sent again, and the error says it may exist',
		async (status) => {
			emulator.injectFault({ target: 'graph', kind: 'statusAfter', status, method: 'POST' });
			const { error } = await run(createBasic);
			expect(unseen()).toHaveLength(1);
			expect(error?.description).toMatch(/may exist\. Look for it \(Get, or Get Many\)/);
		},
	);

	it('a connection dropped after Graph created it: not sent again, and the error says it may exist', async () => {
		emulator.injectFault({ target: 'graph', kind: 'dropAfter', method: 'POST' });
		const { error } = await run(createBasic);
		expect(error?.message).toMatch(/Could not reach Microsoft Graph \(ECONNRESET\)/);
		expect(error?.description).toMatch(/may exist/);
		expect(unseen()).toHaveLength(1);
	});
});
