// The token goes to the configured Graph URL and nowhere else, and nothing a response echoes back leaks a
// secret: a Graph URL that redirects (301, 302, 307, 308) to a thief on another origin (https on another
// port, or plain http), over the node's kept connections, through n8n's helper under an HTTPS_PROXY CONNECT
// proxy, and through the Test button; an echoing Graph; DEBUG output of n8n's HTTP stack.
import { dirname } from 'node:path';
import { format } from 'node:util';

import { useConnectProxy } from './support/connectProxy';
import { recordingServer, type Handler } from './support/recordingServer';
import { secretCredential } from './support/credentials';
import { testCredential } from './support/credentialTest';
import { byId } from './support/parameters';
import { addPartnerFlow, GET_PARTNER_FLOW } from './support/partnerFlow';
import { makePfx, TEST_PFX_PASSWORD } from './support/pfx';
import { findSecrets, registerSecret } from './support/secrets';
import { useEmulator } from './support/useEmulator';
import {
	MAX_DESCRIPTION_CHARS,
	MAX_MESSAGE_CHARS,
	scrubText,
	secretsOf,
} from '../nodes/UserFlowApiConnectors/transport/scrub';

const { emulator, run } = useEmulator({ seed: addPartnerFlow });

const CONNECTOR_PASSWORD = 'echoed-connector-password-Kq27';
registerSecret(CONNECTOR_PASSWORD);

// "Graph": the credential's Graph Base URL. The thieves: what a redirect points at.
const graph = recordingServer('https');
const thiefHttps = recordingServer('https');
const thiefHttp = recordingServer('http');

const thieves = { 'https on another port': thiefHttps, 'plain http': thiefHttp };
const REDIRECTS = [301, 302, 307, 308].flatMap((status) =>
	Object.keys(thieves).map((thief) => [status, thief] as [number, keyof typeof thieves]),
);

const graphCredential = () => secretCredential(emulator, { graphBaseUrl: graph.url });

/** Graph answers every request with a redirect to the same path on the thief. */
function redirectTo(status: number, thief: keyof typeof thieves) {
	graph.handler = (seen) => ({
		status,
		headers: { Location: `${thieves[thief].url}${seen.url}` },
		body: '',
	});
}

function expectNothingStolen() {
	for (const thief of Object.values(thieves)) {
		expect(thief.seen.filter((request) => request.headers.authorization)).toEqual([]);
		expect(thief.seen).toEqual([]);
	}
}

function expectRedirectError(
	error: { message: string; description?: string } | undefined,
	status: number,
	thief: keyof typeof thieves,
) {
	expect(error?.message).toContain(`Microsoft Graph answered ${status}, a redirect to`);
	expect(error?.message).toContain(thieves[thief].url);
	expect(error?.message).toContain('not followed');
}

describe.each([
	['over the kept connections (no proxy)', {}],
	["through n8n's helper under HTTPS_PROXY", { HTTPS_PROXY: '{proxy}' }],
])('a redirecting Graph, the node %s', (_path, variables) => {
	const proxy = useConnectProxy(variables);

	it.each(REDIRECTS)(
		'%s to %s: not followed, the item fails naming the status and the origin',
		async (status, thief) => {
			redirectTo(status, thief);
			const { output, error } = await run(GET_PARTNER_FLOW, { credentials: graphCredential() });
			expect(output).toEqual([]);
			expectRedirectError(error, status, thief);
			// Graph itself got the request (and the token: it is the configured Graph URL).
			expect(graph.seen.map((request) => request.url)).toEqual([
				'/v1.0/identity/b2xUserFlows/B2X_1_Partner',
			]);
			expect(graph.seen[0].headers.authorization).toMatch(/^Bearer /);
			expectNothingStolen();
			const graphHost = new URL(graph.url).host;
			const tunnelsToGraph = proxy.tunnels.filter((target) => target === graphHost);
			expect(tunnelsToGraph).toHaveLength('HTTPS_PROXY' in variables ? 1 : 0);
		},
	);
});

describe('NO_PROXY', () => {
	const proxy = useConnectProxy({ HTTPS_PROXY: '{proxy}', NO_PROXY: 'example.com, 127.0.0.1' });

	const connections = () => emulator.graphRequests().map((request) => request.connection);

	it('a Graph host that NO_PROXY names goes direct, over the kept connections', async () => {
		expect((await run(GET_PARTNER_FLOW)).error).toBeUndefined();
		const [first] = connections();
		emulator.clearRequests();
		expect((await run(GET_PARTNER_FLOW)).error).toBeUndefined();
		expect(proxy.tunnels).toEqual([]);
		// The next run's request took the connection kept open (n8n's helper opens one per request).
		expect(connections()).toEqual([first]);
	});

	it('no_proxy (lower case) and a *.domain entry too; a host it does not name takes the proxy', async () => {
		delete process.env.NO_PROXY;
		process.env.no_proxy = '.example.com,*.contoso.com,127.0.0.1:1';
		const emulatorHost = new URL(emulator.graphBaseUrl).host;
		const other = await run(GET_PARTNER_FLOW);
		expect(other.error).toBeUndefined();
		expect(proxy.tunnels.filter((target) => target === emulatorHost).length).toBeGreaterThan(0);
		proxy.tunnels.length = 0;
		process.env.no_proxy = `.example.com,${emulatorHost}`;
		expect((await run(GET_PARTNER_FLOW)).error).toBeUndefined();
		expect(proxy.tunnels).toEqual([]);
	});
});

describe.each([
	['without a proxy', {}],
	['under HTTPS_PROXY', { HTTPS_PROXY: '{proxy}' }],
])('the Test button %s', (_path, variables) => {
	useConnectProxy(variables);

	it.each(REDIRECTS)(
		'%s to %s: not followed, an error naming the status and the origin',
		async (status, thief) => {
			redirectTo(status, thief);
			const result = await testCredential(graphCredential());
			expect(result.status).toBe('Error');
			expectRedirectError(result, status, thief);
			expect(graph.seen).toHaveLength(1);
			expectNothingStolen();
		},
	);

	it('"Connection successful!" only for a 2xx from Graph itself', async () => {
		expect(await testCredential(graphCredential())).toEqual({
			status: 'OK',
			message: 'Connection successful!',
		});
		expect(graph.seen.map((request) => request.url)).toEqual([
			'/v1.0/identity/apiConnectors?$top=1',
		]);
		for (const status of [304, 400, 403, 500]) {
			graph.handler = () => ({ status, body: '' });
			expect((await testCredential(graphCredential())).status).toBe('Error');
		}

		// A 200 that is not Graph's answer (a proxy's sign-in page) is no success either.
		graph.handler = () => ({
			status: 200,
			headers: { 'Content-Type': 'text/html' },
			body: '<html>Proxy</html>',
		});
		const page = await testCredential(graphCredential());
		expect(page.status).toBe('Error');
		expect(page.message).toMatch(/not a JSON object/);
	});
});

/** Graph (or a gateway before it) answering with everything it received: headers, body, all of it. */
function echo(kind: 'json' | 'html') {
	graph.handler = (seen): ReturnType<Handler> => {
		const received = JSON.stringify({ headers: seen.headers, body: seen.body });
		if (kind === 'html') {
			return {
				status: 502,
				headers: { 'Content-Type': 'text/html' },
				body: `<html><body><h1>502 Bad Gateway</h1><pre>${received}</pre>${'<p>padding</p>'.repeat(150_000)}</body></html>`,
			};
		}
		return {
			status: 400,
			headers: {
				'Content-Type': 'application/json',
				'request-id': String(seen.headers.authorization),
			},
			body: JSON.stringify({
				error: {
					code: 'BadRequest',
					message: `Could not process ${received}`,
					innerError: { 'client-request-id': received, date: received },
				},
			}),
		};
	};
}

const pfxItem = (pfx: Buffer) => ({
	json: {},
	binary: { data: { data: pfx.toString('base64'), mimeType: 'application/x-pkcs12' } },
});

describe('an echoing Graph', () => {
	const pfx = makePfx({ password: TEST_PFX_PASSWORD });
	const operations = {
		'Create with basic authentication': {
			parameters: {
				resource: 'apiConnector',
				operation: 'create',
				displayName: 'Echo',
				targetUrl: 'https://api.contoso.com/echo',
				authenticationType: 'basic',
				username: 'n8n',
				password: CONNECTOR_PASSWORD,
			},
			inputItems: undefined,
		},
		'Create with a client certificate': {
			parameters: {
				resource: 'apiConnector',
				operation: 'create',
				displayName: 'Echo',
				targetUrl: 'https://api.contoso.com/echo',
				authenticationType: 'clientCertificate',
				binaryPropertyName: 'data',
				pfxPassword: TEST_PFX_PASSWORD,
			},
			inputItems: [pfxItem(pfx.pfx)],
		},
		'Upload Client Certificate': {
			parameters: {
				resource: 'apiConnector',
				operation: 'uploadClientCertificate',
				apiConnector: byId('0b1e7f3a-2c4d-4e5f-8a9b-6c7d8e9f0a22'),
				binaryPropertyName: 'data',
				pfxPassword: TEST_PFX_PASSWORD,
			},
			inputItems: [pfxItem(pfx.pfx)],
		},
	};

	it.each(
		Object.keys(operations).flatMap((operation) =>
			(['json', 'html'] as const).map((kind) => [operation, kind] as const),
		),
	)('%s, echoed as %s: no secret in the error, which stays bounded', async (operation, kind) => {
		echo(kind);
		const { parameters, inputItems } = operations[operation as keyof typeof operations];
		// runNode's secret scan fails the test if a secret or token is anywhere in the output or error.
		const { error } = await run(parameters, { credentials: graphCredential(), inputItems });
		expect(graph.seen).toHaveLength(1);
		// The echo did carry the secrets: the body as sent, and the token.
		expect(graph.seen[0].headers.authorization).toMatch(/^Bearer eyJ/);
		expect(error?.message).toContain('[redacted]');
		expect(error?.message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS + 300);
		expect(String(error?.description).length).toBeLessThanOrEqual(MAX_DESCRIPTION_CHARS + 300);
		expect(findSecrets(JSON.stringify(error))).toEqual([]);
		for (const secret of [CONNECTOR_PASSWORD, TEST_PFX_PASSWORD, pfx.base64.slice(100, 140)]) {
			expect(JSON.stringify(error)).not.toContain(secret);
		}
	});

	it('the Test button: the echoed token is not in its message', async () => {
		echo('json');
		const result = await testCredential(graphCredential());
		expect(result.status).toBe('Error');
		expect(result.message).toContain('Bearer [redacted]');
		expect(result.message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS + MAX_DESCRIPTION_CHARS);
	});
});

describe('the scrubber', () => {
	const settings = {
		clientSecret: 'client-secret-value-Wq8~x',
		privateKey:
			'-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7Vd3t1X5YgC9p\nq4bC6xkC2vYb3mZlTQ0oRk2bL9c0nM4sQ1aE8wB7uV5gH3dJ2fK1lP0oI9uY8tR7\n-----END PRIVATE KEY-----',
		privateKeyPassphrase: 'key-passphrase-7Yh',
	};
	for (const secret of Object.values(settings)) registerSecret(secret);
	const secrets = secretsOf({
		settings,
		body: {
			authenticationConfiguration: { password: 'body-password-91', pkcs12Value: 'A'.repeat(400) },
		},
	});

	it.each([
		['the client secret', settings.clientSecret],
		['the client secret, JSON-escaped in an echo', JSON.stringify({ s: settings.clientSecret })],
		['the client secret, URL-encoded', encodeURIComponent(settings.clientSecret)],
		['the private key with escaped line breaks', JSON.stringify(settings.privateKey)],
		['a line of the private key', settings.privateKey.split('\n')[2]],
		['the passphrase', settings.privateKeyPassphrase],
		['a connector password of the body', 'body-password-91'],
		['a part of the .pfx', 'A'.repeat(60)],
		['a bearer token', 'authorization: Bearer abc.def-opaque'],
		['a JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl'],
	])('removes %s', (_what, leaked) => {
		const scrubbed = scrubText(`Graph said: ${leaked} (end)`, secrets);
		expect(scrubbed).toContain('[redacted');
		expect(findSecrets(scrubbed)).toEqual([]);
		expect(scrubbed).not.toContain('body-password-91');
		expect(scrubbed).not.toMatch(/Bearer (?!\[redacted\])/);
		expect(scrubbed).not.toContain('A'.repeat(24));
	});

	it(`bounds a text to ${MAX_MESSAGE_CHARS} characters, and says how much was cut`, () => {
		const page = `<html>${'x'.repeat(2 * 1024 * 1024)}</html>`;
		const scrubbed = scrubText(page, secrets);
		expect(scrubbed.length).toBeLessThan(MAX_MESSAGE_CHARS + 60);
		expect(scrubbed).toMatch(/… \(\d+ more characters not shown\)$/);
	});
});

describe('DEBUG=* output of the HTTP stack', () => {
	useConnectProxy({ HTTPS_PROXY: '{proxy}' });
	// The debug module that follow-redirects (axios's redirect transport) prints through.
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const debug = require(
		require.resolve('debug', { paths: [dirname(require.resolve('follow-redirects'))] }),
	) as { enable(namespaces: string): void; disable(): string; log: (...args: unknown[]) => void };
	const printed: string[] = [];
	let log: typeof debug.log;
	beforeAll(() => {
		log = debug.log;
		debug.log = (...args: unknown[]) => printed.push(format(...args));
		debug.enable('*');
	});
	afterAll(() => {
		debug.disable();
		debug.log = log;
	});

	it('prints no token: the node under a proxy, and the Test button', async () => {
		expect((await run(GET_PARTNER_FLOW)).error).toBeUndefined();
		expect((await testCredential(secretCredential(emulator))).status).toBe('OK');
		const text = printed.join('\n');
		expect(findSecrets(text)).toEqual([]);
		expect(text).not.toMatch(/Bearer\s+(?!\[redacted\])\S/);
	});
});
