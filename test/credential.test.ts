// The Microsoft Entra credential: real @azure/identity token acquisition over TLS against the local
// emulator, the editor's Test button as n8n runs it, and the errors a user sees when something is wrong.

import { MicrosoftEntraUserFlowsApi } from '../credentials/MicrosoftEntraUserFlowsApi.credentials';
import { NATIONAL_CLOUDS } from '../credentials/entra/clouds';
import { readSettings, resolveEndpoints } from '../credentials/entra/settings';
import { forgetToken } from '../credentials/entra/tokenProvider';
import {
	APP_KEY,
	APP_KEY_ENCRYPTED,
	APP_KEY_PASSPHRASE,
	certificateCredential,
	secretCredential,
} from './support/credentials';
import { testCredential } from './support/credentialTest';
import { recordingServer } from './support/recordingServer';
import { runNode } from './support/runWorkflow';
import { useEmulator } from './support/useEmulator';

const { emulator } = useEmulator();

const getConfiguration = {
	resource: 'apiConnectorConfiguration',
	operation: 'get',
	flowKind: 'b2x',
	userFlow: { __rl: true, mode: 'id', value: '={{ $json.flow }}' },
};

describe('Test button', () => {
	it('succeeds with a client secret: one token request, then GET apiConnectors?$top=1 with the bearer token', async () => {
		const result = await testCredential(
			secretCredential(emulator, { clientId: emulator.defaults.clientId }),
		);
		expect(result).toEqual({ status: 'OK', message: 'Connection successful!' });
		const token = emulator.tokenRequests();
		expect(token).toHaveLength(1);
		expect(token[0].body).toMatchObject({
			grant_type: 'client_credentials',
			client_id: emulator.defaults.clientId,
			scope: 'https://graph.microsoft.com/.default',
			client_secret: '[redacted]',
		});
		const graph = emulator.graphRequests();
		expect(graph.map((r) => [r.method, r.path, r.query])).toEqual([
			['GET', '/v1.0/identity/apiConnectors', { $top: '1' }],
		]);
		expect(graph[0].hasBearer).toBe(true);
	});

	it('succeeds with a client certificate: a PS256 client assertion identified by x5t#S256', async () => {
		const result = await testCredential(
			certificateCredential(emulator, { authorityHost: `${emulator.authorityHost}/` }),
		);
		expect(result.status).toBe('OK');
		const [token] = emulator.tokenRequests(emulator.defaults.certClientId);
		expect(token.clientAssertion).toEqual({
			alg: 'PS256',
			thumbprintHeader: 'x5t#S256',
			sentCertificateChain: false,
		});
	});

	it('sends the certificate chain (x5c) when asked', async () => {
		expect((await testCredential(certificateCredential(emulator, { sendX5c: true }))).status).toBe(
			'OK',
		);
		expect(
			emulator.tokenRequests(emulator.defaults.certClientId)[0].clientAssertion
				?.sentCertificateChain,
		).toBe(true);
	});

	it('reads an encrypted private key with its passphrase, and says what is missing without it', async () => {
		const ok = await testCredential(
			certificateCredential(emulator, {
				privateKey: APP_KEY_ENCRYPTED,
				privateKeyPassphrase: APP_KEY_PASSPHRASE,
			}),
		);
		expect(ok.status).toBe('OK');
		const missing = await testCredential(
			certificateCredential(emulator, { privateKey: APP_KEY_ENCRYPTED }),
		);
		expect(missing).toEqual({
			status: 'Error',
			message: expect.stringContaining('enter its passphrase'),
		});
		expect(emulator.tokenRequests()).toHaveLength(1);
	});

	it('names AADSTS7000215 for a wrong secret and never shows the secret', async () => {
		const wrongSecret = 'wrong-secret-value-123456';
		const result = await testCredential(secretCredential(emulator, { clientSecret: wrongSecret }));
		expect(result.status).toBe('Error');
		expect(result.message).toContain('AADSTS7000215');
		expect(result.message).toContain('Value (not its Secret ID)');
		expect(result.message).not.toContain(wrongSecret);
		expect(emulator.graphRequests()).toHaveLength(0);
	});

	it('names AADSTS90002 for a tenant that does not exist', async () => {
		const result = await testCredential(
			secretCredential(emulator, { tenantId: 'nosuchtenant.onmicrosoft.com' }),
		);
		expect(result.status).toBe('Error');
		expect(result.message).toContain('AADSTS90002');
		expect(result.message).toContain('tenant was not found');
	});

	it('names AADSTS700016 for an application that is not in the tenant', async () => {
		const result = await testCredential(
			secretCredential(emulator, { clientId: '00000000-0000-4000-8000-000000000001' }),
		);
		expect(result.message).toContain('AADSTS700016');
	});

	it('names an expired client secret (AADSTS7000222) and an expired certificate (AADSTS700027)', async () => {
		const tenant = emulator.state.requireTenant(emulator.defaults.tenantId);
		tenant.app(emulator.defaults.clientId)!.secretExpired = true;
		tenant.app(emulator.defaults.certClientId)!.certificateExpired = true;
		// The tokens cached by earlier tests would otherwise still serve.
		forgetToken(readSettings(secretCredential(emulator)));
		forgetToken(readSettings(certificateCredential(emulator)));
		const secret = await testCredential(secretCredential(emulator));
		expect(secret.message).toMatch(/AADSTS7000222\. The client secret has expired/);
		const certificate = await testCredential(certificateCredential(emulator));
		expect(certificate.message).toMatch(/AADSTS700027\. Entra rejected the client certificate/);
	});

	it('refuses an authority host that is not https before sending anything', async () => {
		const result = await testCredential(
			secretCredential(emulator, {
				authorityHost: emulator.authorityHost.replace('https:', 'http:'),
			}),
		);
		expect(result).toEqual({
			status: 'Error',
			message: expect.stringContaining('Authority Host must use https://'),
		});
		expect(emulator.requests).toHaveLength(0);
	});

	it('ends a hanging token request within the configured timeout, with a message that says so', async () => {
		emulator.injectFault({ target: 'token', kind: 'hang' });
		const started = Date.now();
		const result = await testCredential(
			secretCredential(emulator, {
				authorityTimeoutSeconds: 1,
				clientSecret: 'fresh-secret-for-timeout',
			}),
		);
		const elapsed = Date.now() - started;
		expect(result.status).toBe('Error');
		expect(result.message).toContain('within 1 s');
		expect(elapsed).toBeLessThan(5_000);
		// The fault has cleared: the next attempt works without a restart.
		emulator.clearFaults();
		expect((await testCredential(secretCredential(emulator))).status).toBe('OK');
	});
});

describe('token endpoint faults', () => {
	const freshApp = (secret: string) => {
		const app = emulator.state.addApp({
			tenantId: emulator.defaults.tenantId,
			clientSecret: secret,
		});
		return secretCredential(emulator, {
			clientId: app.clientId,
			clientSecret: secret,
			authorityTimeoutSeconds: 3,
		});
	};

	it.each([
		['503', { status: 503 as const }],
		[
			"429 with Retry-After (@azure/identity's throttle must not outlive the fault)",
			{ status: 429 as const, retryAfterSeconds: 60 },
		],
	])(
		'%s from the token endpoint: a clear error within the timeout, and the next run works without a restart',
		async (_what, fault) => {
			const credential = freshApp(`token-fault-secret-${fault.status}`);
			emulator.injectFault({ target: 'token', kind: 'status', times: 20, ...fault });
			const started = Date.now();
			const failed = await runNode({
				parameters: getConfiguration,
				items: [{ flow: 'Partner' }],
				credentials: credential,
			});
			expect(Date.now() - started).toBeLessThan(6_000);
			expect(failed.error?.message).toMatch(
				/Could not get a token|No token from the Entra authority/,
			);
			emulator.clearFaults();
			emulator.state
				.requireTenant(emulator.defaults.tenantId)
				.addUserFlow({ id: 'B2X_1_Partner', kind: 'b2x' });
			const next = await runNode({
				parameters: getConfiguration,
				items: [{ flow: 'Partner' }],
				credentials: credential,
			});
			expect(next.error).toBeUndefined();
		},
	);
	it('a token request the node gave up is not retried behind its back', async () => {
		const credential = { ...freshApp('token-given-up-secret'), authorityTimeoutSeconds: 1 };
		emulator.injectFault({
			target: 'token',
			kind: 'status',
			status: 429,
			retryAfterSeconds: 2,
			times: 20,
		});
		const failed = await runNode({
			parameters: getConfiguration,
			items: [{ flow: 'Partner' }],
			credentials: credential,
		});
		expect(failed.error?.message).toContain('within 1 s');
		const afterFailure = emulator.tokenRequests().length;
		// Without an end to its requests, @azure/identity would try again once the Retry-After has passed.
		await new Promise((resolve) => setTimeout(resolve, 4_000));
		expect(emulator.tokenRequests()).toHaveLength(afterFailure);
	});
});

describe('token reuse', () => {
	it('one token serves every item of every execution for the same app registration', async () => {
		const tenant = emulator.state.requireTenant(emulator.defaults.tenantId);
		tenant.addUserFlow({ id: 'B2X_1_Partner', kind: 'b2x' });
		const app = emulator.state.addApp({
			tenantId: tenant.id,
			clientSecret: 'token-reuse-secret-0001',
		});
		const credential = secretCredential(emulator, {
			clientId: app.clientId,
			clientSecret: 'token-reuse-secret-0001',
		});
		// A credential object for another registration, used first, must not be confused with this one.
		await runNode({
			parameters: getConfiguration,
			items: [{ flow: 'Partner' }],
			credentials: certificateCredential(emulator),
		});
		emulator.clearRequests();
		for (let run = 0; run < 2; run++) {
			await runNode({
				parameters: getConfiguration,
				items: [{ flow: 'Partner' }, { flow: 'Partner' }, { flow: 'Partner' }],
				credentials: credential,
			});
		}
		expect(emulator.graphRequests()).toHaveLength(6);
		expect(emulator.tokenRequests(app.clientId)).toHaveLength(1);
	});
});

describe('bearer token confinement', () => {
	it('authenticate refuses to add the token to a request for any other host, and fetches no token for it', async () => {
		const credential = new MicrosoftEntraUserFlowsApi();
		const data = secretCredential(emulator, { clientSecret: 'confinement-secret' });
		for (const url of [
			'https://evil.example.com/v1.0/identity/apiConnectors',
			`${emulator.graphBaseUrl}/v2/x`,
			'https://127.0.0.1.evil.example/v1.0/identity/apiConnectors',
			'not a url',
		]) {
			await expect(credential.authenticate(data, { url, method: 'GET' })).rejects.toThrow(
				/Refusing to send the Microsoft Graph token/,
			);
		}
		expect(emulator.requests).toHaveLength(0);
	});
});

describe('national clouds', () => {
	it.each(Object.entries(NATIONAL_CLOUDS))(
		'%s: token scope, authority and Graph root',
		(cloud, expected) => {
			for (const graphVersion of ['v1.0', 'beta']) {
				const data = {
					tenantId: 'contoso.onmicrosoft.com',
					clientId: emulator.defaults.clientId,
					cloud,
					graphVersion,
				};
				const endpoints = resolveEndpoints(readSettings(data));
				expect(endpoints).toEqual({
					authorityHost: expected.authorityHost,
					graphOrigin: expected.graphHost,
					graphBaseUrl: `${expected.graphHost}/${graphVersion}`,
					graphVersion,
					scope: `${expected.graphHost}/.default`,
				});
			}
		},
	);

	it('rejects a tenant or client id that cannot be right, naming the field', () => {
		expect(() =>
			readSettings({ tenantId: 'not a tenant', clientId: emulator.defaults.clientId }),
		).toThrow(/Tenant ID must be/);
		expect(() => readSettings({ tenantId: 'contoso.onmicrosoft.com', clientId: 'abc' })).toThrow(
			/Client ID must be/,
		);
	});
});

describe('errors inside a workflow', () => {
	it('a wrong secret stops the node with the Entra cause and no secret anywhere in the run', async () => {
		const wrongSecret = 'another-wrong-secret-987654';
		const { error, run } = await runNode({
			parameters: getConfiguration,
			items: [{ flow: 'Partner' }],
			credentials: secretCredential(emulator, { clientSecret: wrongSecret }),
		});
		expect(error?.message).toContain('AADSTS7000215');
		expect(JSON.stringify(run)).not.toContain(wrongSecret);
	});

	it('a wrong private key passphrase names the cause', async () => {
		const { error } = await runNode({
			parameters: getConfiguration,
			items: [{ flow: 'Partner' }],
			credentials: certificateCredential(emulator, {
				privateKey: APP_KEY_ENCRYPTED,
				privateKeyPassphrase: 'not-the-passphrase',
			}),
		});
		expect(error?.message).toMatch(
			/Could not read the private key .*Private Key Passphrase is wrong/,
		);
		expect(JSON.stringify(error)).not.toContain(APP_KEY.slice(40, 80));
	});
});

describe("Test button on a 401: Graph's reason, not just 'Unauthorized'", () => {
	it('a revoked token: the message carries Graph code and reason', async () => {
		const credential = secretCredential(emulator);
		expect((await testCredential(credential)).status).toBe('OK');
		// The token cached by the first test is no longer honoured.
		emulator.revokeAllTokens();
		const result = await testCredential(credential);
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(
			/^Microsoft Graph error InvalidAuthenticationToken: Access token validation failure\. The token has been revoked\./,
		);
		expect(result.message).toContain('answered 401');
		expect(emulator.graphRequests().at(-1)?.status).toBe(401);
	});

	describe('an audience mismatch, from a Graph that answers 401 as Graph does', () => {
		const graph = recordingServer('https');
		beforeEach(() => {
			graph.handler = () => ({
				status: 401,
				headers: {
					'Content-Type': 'application/json',
					'WWW-Authenticate':
						'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"',
					'request-id': '7d4e2c1a-0000-4000-8000-000000000401',
				},
				body: JSON.stringify({
					error: {
						code: 'InvalidAuthenticationToken',
						message: 'Access token validation failure. Invalid audience.',
						innerError: { 'request-id': '7d4e2c1a-0000-4000-8000-000000000401' },
					},
				}),
			});
		});

		it("says 'Invalid audience' with Graph's code and request-id", async () => {
			const result = await testCredential(secretCredential(emulator, { graphBaseUrl: graph.url }));
			expect(result.status).toBe('Error');
			expect(result.message).not.toBe('Unauthorized');
			expect(result.message).toMatch(
				/^Microsoft Graph error InvalidAuthenticationToken: Access token validation failure\. Invalid audience\./,
			);
			expect(result.message).toContain('request-id: 7d4e2c1a-0000-4000-8000-000000000401');
		});
	});
});
