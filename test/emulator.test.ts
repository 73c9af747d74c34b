import { afterEach, describe, expect, it } from '@jest/globals';
import { ClientCertificateCredential, ClientSecretCredential } from '@azure/identity';
import { readFileSync } from 'node:fs';
import forge from 'node-forge';

import { makePfx, TEST_PFX_PASSWORD, type PfxOptions, type TestPfx } from './support/pfx';
import { EMULATOR_FILES, SEEDED_CONNECTORS } from '../emulator';
import { rawHttps, type Answer } from './support/rawHttps';
import { useEmulator, withEmulator } from './support/useEmulator';

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

const { emulator } = useEmulator();
const { agent, send, token } = rawHttps(emulator);

function credentialOptions() {
	return { authorityHost: emulator.authorityHost, disableInstanceDiscovery: true, agent };
}

describe('Entra token endpoints', () => {
	it('serves OpenID metadata on its own origin and answers an unknown tenant with AADSTS90002', async () => {
		const metadata = await send(
			'GET',
			`/${emulator.defaults.tenantDomain}/v2.0/.well-known/openid-configuration`,
		);
		expect(metadata.status).toBe(200);
		expect(metadata.body.token_endpoint).toBe(
			`${emulator.url}/${emulator.defaults.tenantId}/oauth2/v2.0/token`,
		);
		expect(metadata.body.issuer).toBe(`${emulator.url}/${emulator.defaults.tenantId}/v2.0`);

		const unknown = await send(
			'GET',
			'/nowhere.onmicrosoft.com/v2.0/.well-known/openid-configuration',
		);
		expect(unknown.status).toBe(400);
		expect(unknown.body).toMatchObject({ error: 'invalid_tenant', error_codes: [90002] });
		expect(unknown.body.error_description).toMatch(
			/^AADSTS90002: Tenant 'nowhere.onmicrosoft.com' not found\..*\r\nTrace ID: .+\r\nCorrelation ID: .+\r\nTimestamp: /s,
		);
	});

	it('issues a token to @azure/identity ClientSecretCredential and records the request without the secret', async () => {
		const { tenantId, clientId, clientSecret } = emulator.defaults;
		const credential = new ClientSecretCredential(
			tenantId,
			clientId,
			clientSecret,
			credentialOptions(),
		);
		const accessToken = await credential.getToken(GRAPH_SCOPE);

		expect(
			(await send('GET', '/v1.0/identity/apiConnectors', { token: accessToken.token })).status,
		).toBe(200);
		const [tokenRequest] = emulator.tokenRequests(clientId);
		expect(tokenRequest.body).toMatchObject({
			client_secret: '[redacted]',
			grant_type: 'client_credentials',
			scope: GRAPH_SCOPE,
		});
		expect(tokenRequest.tenantId).toBe(tenantId);
		expect(emulator.graphRequests()[0].headers.authorization).toBe('Bearer [redacted]');
		expect(JSON.stringify(emulator.requests)).not.toContain(clientSecret);
	});

	it('issues a token to @azure/identity ClientCertificateCredential after checking the PS256 assertion', async () => {
		const certificate =
			readFileSync(EMULATOR_FILES.appCertificate, 'utf8') +
			readFileSync(EMULATOR_FILES.appKey, 'utf8');
		const { tenantId, certClientId } = emulator.defaults;
		const credential = new ClientCertificateCredential(
			tenantId,
			certClientId,
			{ certificate },
			{ ...credentialOptions(), sendCertificateChain: true },
		);

		const accessToken = await credential.getToken(GRAPH_SCOPE);

		expect(
			(await send('GET', '/beta/identity/b2xUserFlows', { token: accessToken.token })).status,
		).toBe(200);
		expect(emulator.tokenRequests(certClientId)[0].clientAssertion).toEqual({
			alg: 'PS256',
			thumbprintHeader: 'x5t#S256',
			sentCertificateChain: true,
		});
	});

	it('gives @azure/identity no AADSTS90002 for an unknown tenant: MSAL reports endpoints_resolution_error', async () => {
		const credential = new ClientSecretCredential(
			'nowhere.onmicrosoft.com',
			emulator.defaults.clientId,
			emulator.defaults.clientSecret,
			credentialOptions(),
		);
		await expect(credential.getToken(GRAPH_SCOPE)).rejects.toThrow(/endpoints_resolution_error/);
		expect(emulator.requests.map((request) => request.status)).toEqual([400]);
		expect(emulator.tokenRequests()).toHaveLength(0);
	});

	it('rejects a wrong client secret with AADSTS7000215', async () => {
		const { tenantId, clientId } = emulator.defaults;
		const credential = new ClientSecretCredential(
			tenantId,
			clientId,
			'not-the-secret',
			credentialOptions(),
		);
		await expect(credential.getToken(GRAPH_SCOPE)).rejects.toThrow(/AADSTS7000215/);
	});

	it('rejects an expired registered certificate with AADSTS700027', async () => {
		emulator.state
			.requireTenant(emulator.defaults.tenantId)
			.app(emulator.defaults.certClientId)!.certificateExpired = true;
		const certificate =
			readFileSync(EMULATOR_FILES.appCertificate, 'utf8') +
			readFileSync(EMULATOR_FILES.appKey, 'utf8');
		const credential = new ClientCertificateCredential(
			emulator.defaults.tenantId,
			emulator.defaults.certClientId,
			{ certificate },
			credentialOptions(),
		);
		await expect(credential.getToken(GRAPH_SCOPE)).rejects.toThrow(/AADSTS700027.*expired/);
	});
});

describe('Graph user flows and API connectors', () => {
	it('answers 401 with WWW-Authenticate when there is no token, and after revocation', async () => {
		const anonymous = await send('GET', '/v1.0/identity/b2xUserFlows');
		expect(anonymous.status).toBe(401);
		expect(anonymous.body.error).toMatchObject({
			code: 'InvalidAuthenticationToken',
			message: 'Access token is empty.',
		});
		expect(anonymous.headers['www-authenticate']).toContain(
			'client_id="00000003-0000-0000-c000-000000000000"',
		);
		expect(anonymous.headers['request-id']).toBe(anonymous.body.error.innerError['request-id']);

		const accessToken = await token();
		emulator.revokeAllTokens();
		expect((await send('GET', '/v1.0/identity/b2xUserFlows', { token: accessToken })).status).toBe(
			401,
		);
	});

	it('creates a b2x flow with the B2X_1_ prefix and a Location header', async () => {
		const created = await send('POST', '/v1.0/identity/b2xUserFlows', {
			token: await token(),
			json: {
				id: 'Partner',
				userFlowType: 'signUpOrSignIn',
				userFlowTypeVersion: 1,
				identityProviders: [{ id: 'Facebook-OAuth', type: 'Facebook', name: 'Facebook' }],
			},
		});

		expect(created.status).toBe(201);
		expect(created.headers.location).toBe(
			`${emulator.url}/v1.0/identity/b2xUserFlows('B2X_1_Partner')`,
		);
		expect(created.body).toEqual({
			'@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#identity/b2xUserFlows/$entity',
			id: 'B2X_1_Partner',
			userFlowType: 'signUpOrSignIn',
			userFlowTypeVersion: 1,
		});
		const providers = await send(
			'GET',
			'/v1.0/identity/b2xUserFlows/b2x_1_partner/identityProviders',
			{ token: await token() },
		);
		expect(providers.body.value).toEqual([
			{ id: 'Facebook-OAuth', type: 'Facebook', name: 'Facebook' },
		]);
	});

	it('links a connector at creation with {"id"} but silently not with {"@odata.id"}', async () => {
		const accessToken = await token();
		const [first, second] = SEEDED_CONNECTORS;
		await send('POST', '/beta/identity/b2xUserFlows', {
			token: accessToken,
			json: {
				id: 'WithConnectors',
				userFlowType: 'signUpOrSignIn',
				userFlowTypeVersion: 1,
				apiConnectorConfiguration: {
					postFederationSignup: { id: first.id },
					postAttributeCollection: {
						'@odata.id': `https://graph.microsoft.com/beta/identity/apiConnectors/${second.id}`,
					},
				},
			},
		});
		const flow = emulator.state
			.requireTenant(emulator.defaults.tenantId)
			.userFlow('b2x', 'B2X_1_WithConnectors');
		expect(flow?.apiConnectors).toEqual({ postFederationSignup: first.id });
	});

	it('links and unlinks a step with PUT $ref, as $expand shows', async () => {
		const accessToken = await token();
		emulator.state
			.requireTenant(emulator.defaults.tenantId)
			.addUserFlow({ id: 'B2X_1_testuserflow', kind: 'b2x' });
		const step =
			'/v1.0/identity/b2xUserFlows/B2X_1_testuserflow/apiConnectorConfiguration/postAttributeCollection/$ref';
		const expand =
			'/v1.0/identity/b2xUserFlows/B2X_1_testuserflow/apiConnectorConfiguration?%24expand=postFederationSignup,postAttributeCollection';
		const connector = SEEDED_CONNECTORS[1];

		const linked = await send('PUT', step, {
			token: accessToken,
			json: {
				'@odata.id': `https://graph.microsoft.com/v1.0/identity/apiConnectors/${connector.id}`,
			},
		});
		expect(linked.status).toBe(204);
		const afterLink = await send('GET', expand, { token: accessToken });
		expect(afterLink.body.postFederationSignup).toBeNull();
		expect(afterLink.body.postAttributeCollection).toEqual({
			id: connector.id,
			displayName: connector.displayName,
			targetUrl: connector.targetUrl,
			authenticationConfiguration: {
				'@odata.type': '#microsoft.graph.basicAuthentication',
				username: connector.username,
				password: '******',
			},
		});
		expect(afterLink.body['postAttributeCollection@odata.context']).toContain(
			'/apiConnectorConfiguration/microsoft.graph.userFlowApiConnectorConfiguration/postAttributeCollection/$entity',
		);

		expect((await send('PUT', step, { token: accessToken, json: {} })).status).toBe(204);
		expect(
			(await send('GET', expand, { token: accessToken })).body.postAttributeCollection,
		).toBeNull();
	});

	it('pages a list with an absolute @odata.nextLink on its own origin', async () => {
		const accessToken = await token();
		const first = await send('GET', '/v1.0/identity/apiConnectors?$top=1', { token: accessToken });
		expect(first.body.value).toHaveLength(1);
		const nextLink = first.body['@odata.nextLink'] as string;
		expect(
			nextLink.startsWith(`${emulator.url}/v1.0/identity/apiConnectors?$top=1&$skiptoken=`),
		).toBe(true);

		const second = await send('GET', nextLink, { token: accessToken });
		expect(second.body.value.map((connector: { id: string }) => connector.id)).toEqual([
			SEEDED_CONNECTORS[1].id,
		]);
		expect(second.body['@odata.nextLink']).toBeUndefined();
	});

	it('keeps an encoded slash inside a flow id, and refuses b2cUserFlows in v1.0', async () => {
		const accessToken = await token();
		const encoded = await send('GET', '/v1.0/identity/b2xUserFlows/B2X_1_a%2F..%2F..%2Fusers', {
			token: accessToken,
		});
		expect(encoded.status).toBe(404);
		expect(encoded.body.error.message).toBe("The user flow 'B2X_1_a/../../users' was not found.");

		const b2c = await send('GET', '/v1.0/identity/b2cUserFlows', { token: accessToken });
		expect(b2c.status).toBe(400);
		expect(b2c.body.error.message).toBe("Resource not found for the segment 'b2cUserFlows'.");
	});
});

describe('API connectors with client certificates (.pfx)', () => {
	const DAY_MS = 24 * 60 * 60 * 1000;
	const CONNECTORS = '/v1.0/identity/apiConnectors';
	const WRONG_PASSWORD = 'not-the-pfx-password';
	/** Every pkcs12Value sent, for the check that no answer repeats one. */
	const sentPfxValues: string[] = [];
	const answers: Answer[] = [];

	afterEach(() => {
		const secrets = [...sentPfxValues, TEST_PFX_PASSWORD, WRONG_PASSWORD];
		const texts = answers.map((answer) => JSON.stringify(answer.body) ?? '');
		sentPfxValues.length = answers.length = 0;
		expect(texts.flatMap((text) => secrets.filter((secret) => text.includes(secret)))).toEqual([]);
	});

	function pfx(options: Partial<PfxOptions> = {}): TestPfx {
		const made = makePfx({ password: TEST_PFX_PASSWORD, ...options });
		sentPfxValues.push(made.base64);
		return made;
	}

	/** A Graph call whose answer the afterEach scans for secrets. */
	async function graph(method: string, path: string, json?: unknown): Promise<Answer> {
		const answer = await send(method, path, { token: await token(), json });
		answers.push(answer);
		return answer;
	}

	function pkcs12Certificate(certificate: TestPfx, password = TEST_PFX_PASSWORD) {
		return {
			'@odata.type': '#microsoft.graph.pkcs12Certificate',
			pkcs12Value: certificate.base64,
			password,
		};
	}

	function createCertificateConnector(certificate: TestPfx): Promise<Answer> {
		return graph('POST', CONNECTORS, {
			displayName: 'Certificate connector',
			targetUrl: 'https://api.example.test/signup',
			authenticationConfiguration: pkcs12Certificate(certificate),
		});
	}

	function upload(
		connectorId: string,
		certificate: TestPfx,
		password = TEST_PFX_PASSWORD,
	): Promise<Answer> {
		return graph('POST', `${CONNECTORS}/${connectorId}/uploadClientCertificate`, {
			pkcs12Value: certificate.base64,
			password,
		});
	}

	/** What certificateList shows of a certificate: NumericDate validity. */
	function listed(certificate: TestPfx, isActive: boolean) {
		const seconds = (date: Date) => date.getTime() / 1000;
		return {
			thumbprint: certificate.thumbprint,
			notAfter: seconds(certificate.notAfter),
			notBefore: seconds(certificate.notBefore),
			isActive,
		};
	}

	function certificateList(answer: Answer): unknown {
		return answer.body.authenticationConfiguration.certificateList;
	}

	it('creates a connector from a .pfx and shows its certificate, never the file or the password', async () => {
		const certificate = pfx();

		const created = await createCertificateConnector(certificate);

		expect(created.status).toBe(201);
		expect(certificate.thumbprint).toMatch(/^[0-9A-F]{40}$/);
		expect(created.body.authenticationConfiguration).toEqual({
			'@odata.type': '#microsoft.graph.clientCertificateAuthentication',
			certificateList: [listed(certificate, true)],
		});
		const read = await graph('GET', `${CONNECTORS}/${created.body.id}`);
		expect(read.body.authenticationConfiguration).toEqual(created.body.authenticationConfiguration);
		const list = await graph('GET', CONNECTORS);
		const listedConnector = list.body.value.find(
			(connector: { id: string }) => connector.id === created.body.id,
		);
		expect(listedConnector.authenticationConfiguration).toEqual(
			created.body.authenticationConfiguration,
		);
		const recorded = JSON.stringify(emulator.requests);
		expect(recorded).not.toContain(certificate.base64);
		expect(recorded).not.toContain(TEST_PFX_PASSWORD);
		expect(emulator.graphRequests()[0].body).toMatchObject({
			authenticationConfiguration: { pkcs12Value: '[redacted]', password: '[redacted]' },
		});
	});

	it('accepts a .pfx whose password is empty', async () => {
		const certificate = pfx({ password: '' });
		const created = await graph('POST', CONNECTORS, {
			displayName: 'No password',
			targetUrl: 'https://api.example.test/signup',
			authenticationConfiguration: pkcs12Certificate(certificate, ''),
		});
		expect(certificateList(created)).toEqual([listed(certificate, true)]);
	});

	it('appends an uploaded certificate, and the newest valid upload becomes the only active one', async () => {
		const first = pfx();
		const second = pfx();
		const { id } = (await createCertificateConnector(first)).body;

		const uploaded = await upload(id, second);

		expect(uploaded.status).toBe(200);
		expect(uploaded.body['@odata.context']).toBe(
			'https://graph.microsoft.com/v1.0/$metadata#identity/apiConnectors/$entity',
		);
		expect(certificateList(uploaded)).toEqual([listed(first, false), listed(second, true)]);
	});

	it('keeps the active certificate when a later upload is not yet valid or already expired', async () => {
		const current = pfx();
		const notYetValid = pfx({ notBefore: new Date(Date.now() + DAY_MS) });
		const expired = pfx({
			notBefore: new Date(Date.now() - 2 * DAY_MS),
			notAfter: new Date(Date.now() - DAY_MS),
		});
		const { id } = (await createCertificateConnector(current)).body;

		expect(certificateList(await upload(id, notYetValid))).toEqual([
			listed(current, true),
			listed(notYetValid, false),
		]);
		expect(certificateList(await upload(id, expired))).toEqual([
			listed(current, true),
			listed(notYetValid, false),
			listed(expired, false),
		]);
	});

	it('switches a basic-auth connector to its uploaded certificate', async () => {
		const certificate = pfx();
		const uploaded = await upload(SEEDED_CONNECTORS[0].id, certificate);
		expect(uploaded.body.authenticationConfiguration).toEqual({
			'@odata.type': '#microsoft.graph.clientCertificateAuthentication',
			certificateList: [listed(certificate, true)],
		});
	});

	it('replaces the certificate list on PATCH, as $expand on a flow shows', async () => {
		const first = pfx();
		const replacement = pfx();
		const { id } = (await createCertificateConnector(first)).body;
		await upload(id, pfx());
		emulator.state.requireTenant(emulator.defaults.tenantId).addUserFlow({
			id: 'B2X_1_certificates',
			kind: 'b2x',
			apiConnectors: { postAttributeCollection: id },
		});

		const patched = await graph('PATCH', `${CONNECTORS}/${id}`, {
			authenticationConfiguration: pkcs12Certificate(replacement),
		});

		expect(patched.status).toBe(204);
		const expanded = await graph(
			'GET',
			'/v1.0/identity/b2xUserFlows/B2X_1_certificates/apiConnectorConfiguration?$expand=postAttributeCollection',
		);
		expect(
			expanded.body.postAttributeCollection.authenticationConfiguration.certificateList,
		).toEqual([listed(replacement, true)]);
	});

	describe('refuses an unusable upload with 400, leaving the connector as it was', () => {
		const notAPfx = Buffer.from('this is not a PKCS 12 file').toString('base64');
		const cases: [
			name: string,
			body: () => Record<string, unknown>,
			code: string,
			message: string,
		][] = [
			[
				'a wrong password',
				() => ({ pkcs12Value: pfx().base64, password: WRONG_PASSWORD }),
				'Request_BadRequest',
				'The password does not match the PKCS 12 (.pfx) file.',
			],
			[
				'base64 of something else',
				() => ({ pkcs12Value: notAPfx, password: TEST_PFX_PASSWORD }),
				'Request_BadRequest',
				'The pkcs12Value is not a valid PKCS 12 (.pfx) file.',
			],
			[
				'text that is not base64',
				() => ({ pkcs12Value: 'not base64!', password: TEST_PFX_PASSWORD }),
				'Request_BadRequest',
				'The pkcs12Value is not a valid PKCS 12 (.pfx) file.',
			],
			[
				'no password',
				() => ({ pkcs12Value: pfx().base64 }),
				'BadRequest',
				"The property 'password' is required: the .pfx password, or '' if it has none.",
			],
			[
				'a .pfx without a private key',
				() => ({ pkcs12Value: pfxOf(null, [certificateOf(pfx())]), password: TEST_PFX_PASSWORD }),
				'Request_BadRequest',
				'The PKCS 12 (.pfx) file contains no private key.',
			],
			[
				'a .pfx without a certificate',
				() => ({ pkcs12Value: pfxOf(keyOf(pfx()), []), password: TEST_PFX_PASSWORD }),
				'Request_BadRequest',
				'The PKCS 12 (.pfx) file contains no certificate.',
			],
			[
				'a .pfx whose certificate is not of its key',
				() => ({
					pkcs12Value: pfxOf(forge.pki.rsa.generateKeyPair({ bits: 2048 }).privateKey, [
						certificateOf(pfx()),
					]),
					password: TEST_PFX_PASSWORD,
				}),
				'Request_BadRequest',
				'No certificate in the PKCS 12 (.pfx) file matches its private key.',
			],
		];

		it.each(cases)('%s', async (_name, body, code, message) => {
			const current = pfx();
			const { id } = (await createCertificateConnector(current)).body;

			const refused = await graph('POST', `${CONNECTORS}/${id}/uploadClientCertificate`, body());

			expect(refused.status).toBe(400);
			expect(refused.body.error).toMatchObject({ code, message });
			expect(certificateList(await graph('GET', `${CONNECTORS}/${id}`))).toEqual([
				listed(current, true),
			]);
		});
	});

	/** makePfx always packs a key with its certificate: files missing one are put together from its parts. */
	function pfxOf(
		key: forge.pki.rsa.PrivateKey | null,
		certificates: forge.pki.Certificate[],
	): string {
		// No localKeyId: node-forge derives it from the first certificate, and there may be none.
		const pkcs12 = forge.pkcs12.toPkcs12Asn1(key, certificates, TEST_PFX_PASSWORD, {
			algorithm: '3des',
			generateLocalKeyId: false,
		});
		const base64 = Buffer.from(forge.asn1.toDer(pkcs12).getBytes(), 'binary').toString('base64');
		sentPfxValues.push(base64);
		return base64;
	}

	function bagsOf(made: TestPfx, bagType: string): forge.pkcs12.Bag[] {
		const pkcs12 = forge.pkcs12.pkcs12FromAsn1(
			forge.asn1.fromDer(made.pfx.toString('binary')),
			TEST_PFX_PASSWORD,
		);
		return pkcs12.getBags({ bagType })[bagType] ?? [];
	}

	function certificateOf(made: TestPfx): forge.pki.Certificate {
		return bagsOf(made, forge.pki.oids.certBag)[0].cert!;
	}

	function keyOf(made: TestPfx): forge.pki.rsa.PrivateKey {
		return bagsOf(made, forge.pki.oids.pkcs8ShroudedKeyBag)[0].key!;
	}
});

describe('faults', () => {
	it('answers an injected 429 once, with Retry-After, then normally', async () => {
		const accessToken = await token();
		emulator.injectFault({
			target: 'graph',
			kind: 'status',
			status: 429,
			retryAfterSeconds: 7,
			pathIncludes: '/apiConnectors',
		});

		const throttled = await send('GET', '/v1.0/identity/apiConnectors', { token: accessToken });
		expect(throttled.status).toBe(429);
		expect(throttled.headers['retry-after']).toBe('7');
		expect(throttled.body.error.code).toBe('TooManyRequests');
		expect((await send('GET', '/v1.0/identity/apiConnectors', { token: accessToken })).status).toBe(
			200,
		);
	});

	it('drops the connection without an answer, recording status 0', async () => {
		const accessToken = await token();
		emulator.injectFault({ target: 'graph', kind: 'drop' });

		await expect(
			send('GET', '/v1.0/identity/apiConnectors', { token: accessToken }),
		).rejects.toThrow(/socket hang up|ECONNRESET/);
		expect(emulator.graphRequests().map((request) => request.status)).toEqual([0]);
	});
});

describe('JSON batching', () => {
	const FLOW_ID = 'B2X_1_batch';
	const CONNECTOR = SEEDED_CONNECTORS[1];

	interface Step {
		id: string;
		method: string;
		url: string;
		headers?: Record<string, string>;
		body?: unknown;
		dependsOn?: string[];
	}

	function batch(steps: unknown[], accessToken: string, version = 'v1.0'): Promise<Answer> {
		return send('POST', `/${version}/$batch`, { token: accessToken, json: { requests: steps } });
	}

	function get(id: string, url: string): Step {
		return { id, method: 'GET', url };
	}

	function tenant() {
		return emulator.state.requireTenant(emulator.defaults.tenantId);
	}

	/** Bodies without innerError, whose request-id and date differ between any two answers. */
	function comparable(body: unknown): unknown {
		const error = (body as { error?: { innerError?: unknown } } | undefined)?.error;
		return error ? { error: { ...error, innerError: undefined } } : body;
	}

	it('answers GETs and a PUT $ref exactly as the same requests sent directly, and records each step', async () => {
		const accessToken = await token();
		tenant().addUserFlow({ id: FLOW_ID, kind: 'b2x' });
		const link = {
			'@odata.id': `https://graph.microsoft.com/v1.0/identity/apiConnectors/${CONNECTOR.id}`,
		};
		const steps: Step[] = [
			{
				...get('1', `/identity/b2xUserFlows/${FLOW_ID}`),
				headers: { 'client-request-id': 'step-one' },
			},
			get('2', 'identity/apiConnectors?$top=1'),
			get('3', '/identity/b2xUserFlows/B2X_1_missing'),
			{
				id: '4',
				method: 'PUT',
				url: `/identity/b2xUserFlows/${FLOW_ID}/apiConnectorConfiguration/postAttributeCollection/$ref`,
				body: link,
			},
		];

		const answer = await batch(steps, accessToken);

		expect(answer.status).toBe(200);
		const responses = answer.body.responses as Array<{
			id: string;
			status: number;
			headers: Record<string, string>;
			body?: unknown;
		}>;
		expect(responses.map(({ id, status }) => [id, status])).toEqual([
			['1', 200],
			['2', 200],
			['3', 404],
			['4', 204],
		]);
		expect(responses[3]).not.toHaveProperty('body');
		expect(responses[0].headers['client-request-id']).toBe('step-one');
		expect(tenant().userFlow('b2x', FLOW_ID)?.apiConnectors).toEqual({
			postAttributeCollection: CONNECTOR.id,
		});

		const direct = [
			await send('GET', `/v1.0/identity/b2xUserFlows/${FLOW_ID}`, { token: accessToken }),
			await send('GET', '/v1.0/identity/apiConnectors?$top=1', { token: accessToken }),
			await send('GET', '/v1.0/identity/b2xUserFlows/B2X_1_missing', { token: accessToken }),
			await send(
				'PUT',
				`/v1.0/identity/b2xUserFlows/${FLOW_ID}/apiConnectorConfiguration/postAttributeCollection/$ref`,
				{ token: accessToken, json: link },
			),
		];
		expect(responses.map((response) => [response.status, comparable(response.body)])).toEqual(
			direct.map((sent) => [sent.status, comparable(sent.body)]),
		);

		const [batchRecord, ...stepRecords] = emulator.graphRequests().slice(0, 5);
		expect(batchRecord).toMatchObject({ method: 'POST', path: '/v1.0/$batch', status: 200 });
		expect(batchRecord.batchId).toBeUndefined();
		expect(
			stepRecords.map(({ method, path, query, status, batchId }) => ({
				method,
				path,
				query,
				status,
				batchId,
			})),
		).toEqual([
			{
				method: 'GET',
				path: `/v1.0/identity/b2xUserFlows/${FLOW_ID}`,
				query: {},
				status: 200,
				batchId: answer.headers['request-id'],
			},
			{
				method: 'GET',
				path: '/v1.0/identity/apiConnectors',
				query: { $top: '1' },
				status: 200,
				batchId: answer.headers['request-id'],
			},
			{
				method: 'GET',
				path: '/v1.0/identity/b2xUserFlows/B2X_1_missing',
				query: {},
				status: 404,
				batchId: answer.headers['request-id'],
			},
			{
				method: 'PUT',
				path: `/v1.0/identity/b2xUserFlows/${FLOW_ID}/apiConnectorConfiguration/postAttributeCollection/$ref`,
				query: {},
				status: 204,
				batchId: answer.headers['request-id'],
			},
		]);
		expect(stepRecords[0].headers).toMatchObject({
			'client-request-id': 'step-one',
			authorization: 'Bearer [redacted]',
		});
		expect(stepRecords[3].body).toEqual(link);
	});

	it('serves beta, and answers b2cUserFlows in a v1.0 batch 400 as a direct request, and an absolute url 400', async () => {
		const accessToken = await token();

		const beta = await batch([get('flows', '/identity/b2xUserFlows')], accessToken, 'beta');
		const v1 = await batch(
			[
				get('b2c', '/identity/b2cUserFlows'),
				get('absolute', 'https://graph.microsoft.com/v1.0/identity/b2xUserFlows'),
			],
			accessToken,
		);

		expect(beta.body.responses[0]).toMatchObject({
			id: 'flows',
			status: 200,
			body: {
				'@odata.context': 'https://graph.microsoft.com/beta/$metadata#identity/b2xUserFlows',
			},
		});
		const direct = await send('GET', '/v1.0/identity/b2cUserFlows', { token: accessToken });
		expect(v1.body.responses[0]).toMatchObject({
			status: 400,
			body: {
				error: {
					code: 'BadRequest',
					message: "Resource not found for the segment 'b2cUserFlows'.",
				},
			},
		});
		expect(comparable(v1.body.responses[0].body)).toEqual(comparable(direct.body));
		expect(v1.body.responses[1]).toMatchObject({
			id: 'absolute',
			status: 400,
			body: { error: { code: 'BadRequest' } },
		});
		expect(
			emulator.graphRequests().filter((request) => request.batchId !== undefined),
		).toHaveLength(2);
	});

	describe('refuses a malformed batch with 400, running none of it', () => {
		const cases: [name: string, steps: () => unknown[], message: string | RegExp][] = [
			[
				'21 steps',
				() =>
					Array.from({ length: 21 }, (_, index) =>
						get(String(index + 1), '/identity/apiConnectors'),
					),
				'Number of batch request steps exceeds the maximum of 20.',
			],
			[
				'ids that differ only in case',
				() => [get('a', '/identity/apiConnectors'), get('A', '/identity/apiConnectors')],
				/unique; 'A'/,
			],
			['a step without an id', () => [{ method: 'GET', url: '/identity/apiConnectors' }], /'id'/],
			['a step without a method', () => [{ id: '1', url: '/identity/apiConnectors' }], /'method'/],
			['a step without a url', () => [{ id: '1', method: 'GET' }], /'url'/],
			[
				'a dependency on an unknown step',
				() => [{ ...get('1', '/identity/apiConnectors'), dependsOn: ['2'] }],
				/depends on '2'/,
			],
			['no steps', () => [], /'requests'/],
		];

		it.each(cases)('%s', async (_name, steps, message) => {
			const answer = await batch(steps(), await token());
			expect(answer.status).toBe(400);
			expect(answer.body.error.code).toBe('BadRequest');
			expect(answer.body.error.message).toMatch(message);
			expect(emulator.graphRequests()).toHaveLength(1);
		});
	});

	it('needs the bearer token on the batch and answers only POST', async () => {
		expect(
			(
				await send('POST', '/v1.0/$batch', {
					json: { requests: [get('1', '/identity/apiConnectors')] },
				})
			).status,
		).toBe(401);
		const getBatch = await send('GET', '/v1.0/$batch', { token: await token() });
		expect(getBatch.status).toBe(405);
		expect(getBatch.headers.allow).toBe('POST');
	});

	it('answers 424 to a step whose dependency failed, without running it', async () => {
		const accessToken = await token();
		tenant().addUserFlow({ id: FLOW_ID, kind: 'b2x' });
		const steps: Step[] = [
			{
				id: 'create',
				method: 'POST',
				url: '/identity/b2xUserFlows',
				body: { id: 'Bad', userFlowType: 'signIn', userFlowTypeVersion: 1 },
			},
			{
				id: 'delete',
				method: 'DELETE',
				url: `/identity/b2xUserFlows/${FLOW_ID}`,
				dependsOn: ['CREATE'],
			},
			{ ...get('read', `/identity/b2xUserFlows/${FLOW_ID}`), dependsOn: ['delete'] },
			get('independent', `/identity/b2xUserFlows/${FLOW_ID}`),
		];

		const answer = await batch(steps, accessToken);

		expect(answer.body.responses.map(({ status }: { status: number }) => status)).toEqual([
			400, 424, 424, 200,
		]);
		expect(answer.body.responses[1].body).toEqual({
			error: { code: 'FailedDependency', message: expect.stringContaining("'CREATE'") },
		});
		expect(tenant().userFlow('b2x', FLOW_ID)).toBeDefined();
		expect(
			emulator
				.graphRequests()
				.filter((request) => request.batchId !== undefined)
				.map((request) => request.method),
		).toEqual(['POST', 'GET']);
	});

	it('applies a queued status fault to the step it matches; connection faults wait for a direct request', async () => {
		const accessToken = await token();
		emulator.injectFault({ target: 'graph', kind: 'drop', pathIncludes: '/apiConnectors' });
		emulator.injectFault({
			target: 'graph',
			kind: 'status',
			status: 503,
			pathIncludes: '/apiConnectors',
		});

		const answer = await batch(
			[get('flows', '/identity/b2xUserFlows'), get('connectors', '/identity/apiConnectors')],
			accessToken,
		);

		expect(answer.body.responses.map(({ status }: { status: number }) => status)).toEqual([
			200, 503,
		]);
		expect(answer.body.responses[1].body.error.code).toBe('ServiceUnavailable');
		await expect(
			send('GET', '/v1.0/identity/apiConnectors', { token: accessToken }),
		).rejects.toThrow(/socket hang up|ECONNRESET/);
	});
});

describe('latency', () => {
	it('adds the set delay to every Graph round trip, not to token requests', async () => {
		await withEmulator({ latencyMs: 120 }, async (slow) => {
			const credential = new ClientSecretCredential(
				slow.defaults.tenantId,
				slow.defaults.clientId,
				slow.defaults.clientSecret,
				{
					authorityHost: slow.authorityHost,
					disableInstanceDiscovery: true,
				},
			);
			const tokenStarted = Date.now();
			const { token } = await credential.getToken('https://graph.microsoft.com/.default');
			expect(Date.now() - tokenStarted).toBeLessThan(120 * 2);
			const started = Date.now();
			const response = await fetch(`${slow.graphBaseUrl}/v1.0/identity/apiConnectors`, {
				headers: { Authorization: `Bearer ${token}` },
			});
			expect(response.status).toBe(200);
			expect(Date.now() - started).toBeGreaterThanOrEqual(115);
			slow.setLatency(0);
			const quick = Date.now();
			await fetch(`${slow.graphBaseUrl}/v1.0/identity/apiConnectors`, {
				headers: { Authorization: `Bearer ${token}` },
			});
			expect(Date.now() - quick).toBeLessThan(100);
		});
	});
});
