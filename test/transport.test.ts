// The one Graph client (nodes/UserFlowApiConnectors/transport): path-segment encoding, retries of 429/503/504
// honouring Retry-After within bounds, a fresh token after 401, dropped connections, error mapping, and the
// rule that the bearer token goes to the configured Graph host only.
import { createServer, type Server } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { encodePathSegment, graphPath } from '../nodes/UserFlowApiConnectors/transport';
import { EMULATOR_FILES } from '../emulator/state';
import { secretCredential } from './support/credentials';
import { addPartnerFlow, GET_PARTNER_FLOW } from './support/partnerFlow';
import { runNode } from './support/runWorkflow';
import { seedFlowItems, setStepFromItems } from './support/setStep';
import { useEmulator, withEmulator } from './support/useEmulator';

const fixture = useEmulator({ seed: addPartnerFlow });
const { emulator } = fixture;

const getFlow = GET_PARTNER_FLOW;
const create = {
	resource: 'userFlow',
	operation: 'create',
	flowKind: 'b2x',
	userFlowName: 'Fresh',
};
const run = (parameters: object, credentialOverrides: ICredentialDataDecryptedObject = {}) =>
	fixture.run(parameters, { credentials: fixture.credentials(credentialOverrides) });
const graphStatuses = () => emulator.graphRequests().map((r) => r.status);

describe('path segments', () => {
	it('every interpolated value is exactly one percent-encoded segment', () => {
		expect(graphPath`/identity/b2xUserFlows/${'x/../../users'}/apiConnectorConfiguration`).toBe(
			'/identity/b2xUserFlows/x%2F..%2F..%2Fusers/apiConnectorConfiguration',
		);
		expect(graphPath`/identity/apiConnectors/${"a'b?c#d%2F"}`).toBe(
			'/identity/apiConnectors/a%27b%3Fc%23d%252F',
		);
		expect(graphPath`/x/${'B2X_1_ünïcödé'}`).toBe('/x/B2X_1_%C3%BCn%C3%AFc%C3%B6d%C3%A9');
	});

	it.each([[''], ['.'], ['..'], ['a\nb'], ['\u0000']])(
		'refuses %j, which cannot be one segment',
		(value) => {
			expect(() => encodePathSegment(value)).toThrow(/path segment/);
		},
	);
});

describe('retries', () => {
	it('429 with Retry-After: waits as asked, then succeeds', async () => {
		emulator.injectFault({ target: 'graph', kind: 'status', status: 429, retryAfterSeconds: 1 });
		const started = Date.now();
		const { output, error } = await run(getFlow);
		expect(error).toBeUndefined();
		expect(output[0].json.id).toBe('B2X_1_Partner');
		expect(graphStatuses()).toEqual([429, 200]);
		expect(Date.now() - started).toBeGreaterThanOrEqual(950);
	});

	it('503 and 504 without Retry-After: backs off and succeeds', async () => {
		emulator.injectFault({ target: 'graph', kind: 'status', status: 503 });
		emulator.injectFault({ target: 'graph', kind: 'status', status: 504 });
		const { error } = await run(getFlow);
		expect(error).toBeUndefined();
		expect(graphStatuses()).toEqual([503, 504, 200]);
	});

	it('a Retry-After beyond the total wait bound ends the item at once, saying so', async () => {
		emulator.injectFault({ target: 'graph', kind: 'status', status: 429, retryAfterSeconds: 600 });
		const started = Date.now();
		const { error } = await run(getFlow);
		expect(Date.now() - started).toBeLessThan(5_000);
		expect(error?.message).toMatch(/^Microsoft Graph error TooManyRequests/);
		expect(error?.description).toMatch(/Graph asked to wait 600 s, beyond the retry limit of 60 s/);
		expect(graphStatuses()).toEqual([429]);
	});

	it('a back-off of its own beyond the total wait bound ends the item, saying that Graph sent no Retry-After', async () => {
		emulator.injectFault({ target: 'graph', kind: 'status', status: 503, times: 3 });
		const { error } = await run({ ...getFlow, requestOptions: { maxRetryWaitSeconds: 2 } });
		expect(error?.description).toMatch(
			/The next back-off \(Graph sent no Retry-After\) would wait 2 s, beyond the retry limit of 2 s in total \(already waited 1 s\)/,
		);
		expect(graphStatuses()).toEqual([503, 503]);
	});

	it('stops after the retry count of 503s', async () => {
		emulator.injectFault({
			target: 'graph',
			kind: 'status',
			status: 503,
			retryAfterSeconds: 0,
			times: 10,
		});
		const { error } = await run(getFlow);
		expect(error?.description).toMatch(/Gave up after 5 attempts/);
		expect(graphStatuses()).toEqual([503, 503, 503, 503, 503]);
	});

	it('429s are not retries: Max Retries does not end a throttled request, it is waited out', async () => {
		emulator.injectFault({
			target: 'graph',
			kind: 'status',
			status: 429,
			retryAfterSeconds: 0,
			times: 6,
		});
		const { output, error } = await run(getFlow);
		expect(error).toBeUndefined();
		expect(output[0].json.id).toBe('B2X_1_Partner');
		expect(graphStatuses()).toEqual([429, 429, 429, 429, 429, 429, 200]);
	});

	it('never retries another 4xx', async () => {
		emulator.injectFault({ target: 'graph', kind: 'status', status: 500 });
		const { error } = await run(getFlow);
		expect(error?.httpCode).toBe('500');
		expect(graphStatuses()).toEqual([500]);
		emulator.clearRequests();
		const missing = await run({
			...getFlow,
			userFlow: { __rl: true, mode: 'id', value: 'Missing' },
		});
		expect(missing.error?.httpCode).toBe('404');
		expect(graphStatuses()).toEqual([404]);
	});

	it('a dropped connection: a GET is sent again', async () => {
		emulator.injectFault({ target: 'graph', kind: 'drop' });
		expect((await run(getFlow)).error).toBeUndefined();
		expect(graphStatuses()).toEqual([0, 200]);
	});

	it('Create after a connection dropped before Graph saw it: read back (not there), sent again, created once', async () => {
		emulator.injectFault({ target: 'graph', kind: 'drop', method: 'POST' });
		const { output, error } = await run(create);
		expect(error).toBeUndefined();
		expect(output[0].json.id).toBe('B2X_1_Fresh');
		expect(emulator.graphRequests().map((r) => [r.method, r.status])).toEqual([
			['POST', 0],
			['GET', 404],
			['POST', 201],
		]);
	});

	it('Create whose answer was lost after Graph created the flow: read back before any repeat, found, succeeds', async () => {
		emulator.injectFault({ target: 'graph', kind: 'dropAfter', method: 'POST' });
		const { output, error } = await run(create);
		expect(error).toBeUndefined();
		expect(output[0].json).toMatchObject({
			id: 'B2X_1_Fresh',
			userFlowType: 'signUpOrSignIn',
			userFlowTypeVersion: 1,
		});
		expect(emulator.graphRequests().map((r) => [r.method, r.status])).toEqual([
			['POST', 0],
			['GET', 200],
		]);
		expect(
			emulator.state
				.requireTenant(emulator.defaults.tenantId)
				.flowsOfKind('b2x')
				.map((f) => f.id),
		).toEqual(['B2X_1_Partner', 'B2X_1_Fresh']);
	});

	it('Create that meets 409 on its first answer, If the Flow Exists = Fail, is a real conflict, not recovered', async () => {
		const { error } = await run({ ...create, userFlowName: 'Partner', ifFlowExists: 'fail' });
		expect(error?.httpCode).toBe('409');
		expect(graphStatuses()).toEqual([409]);
	});

	it.each([503, 504] as const)(
		'Create answered %i after Graph created the flow: read back, found, created once',
		async (status) => {
			emulator.injectFault({ target: 'graph', kind: 'statusAfter', status, method: 'POST' });
			const { output, error } = await run(create);
			expect(error).toBeUndefined();
			expect(output[0].json.id).toBe('B2X_1_Fresh');
			expect(emulator.graphRequests().map((r) => [r.method, r.status])).toEqual([
				['POST', status],
				['GET', 200],
			]);
		},
	);

	it.each([
		['Max Retries is spent', { maxRetries: 0 }, /Gave up after 1 attempts/],
		[
			'the next back-off would pass Max Retry Wait',
			{ maxRetryWaitSeconds: 0.5 },
			/beyond the retry limit/,
		],
	])(
		'Create whose last answer was 503 after Graph created the flow, and %s: the error says the flow may exist',
		async (_, requestOptions, why) => {
			emulator.injectFault({ target: 'graph', kind: 'statusAfter', status: 503, method: 'POST' });
			const { error } = await run({ ...create, requestOptions });
			expect(error?.description).toMatch(why);
			expect(error?.description).toMatch(/may exist\. Look for it \(Get, or Get Many\)/);
			expect(
				emulator.state.requireTenant(emulator.defaults.tenantId).userFlow('b2x', 'B2X_1_Fresh'),
			).toBeDefined();
		},
	);

	it('Create whose read-back fails after an answer that may have applied: the error says the flow may exist', async () => {
		emulator.injectFault({ target: 'graph', kind: 'statusAfter', status: 504, method: 'POST' });
		emulator.injectFault({ target: 'graph', kind: 'status', status: 503, method: 'GET', times: 2 });
		const { error } = await run({ ...create, requestOptions: { maxRetries: 1 } });
		expect(emulator.graphRequests().map((r) => [r.method, r.status])).toEqual([
			['POST', 504],
			['GET', 503],
			['GET', 503],
		]);
		expect(error?.description).toMatch(/may exist\. Look for it \(Get, or Get Many\)/);
	});

	it('Request Options bound the retries and the request timeout', async () => {
		emulator.injectFault({ target: 'graph', kind: 'delay', delayMs: 3_000 });
		emulator.injectFault({ target: 'graph', kind: 'status', status: 503, times: 5 });
		const started = Date.now();
		const { error } = await run({
			...getFlow,
			requestOptions: { requestTimeoutSeconds: 1, maxRetries: 2, maxRetryWaitSeconds: 10 },
		});
		expect(Date.now() - started).toBeLessThan(8_000);
		expect(error?.description).toMatch(/Gave up after 3 attempts/);
		expect(graphStatuses()).toEqual([0, 503, 503]);
	});

	it('401: gets a fresh token once and sends the request again', async () => {
		await run(getFlow);
		emulator.revokeAllTokens();
		emulator.clearRequests();
		const { error } = await run(getFlow);
		expect(error).toBeUndefined();
		expect(graphStatuses()).toEqual([401, 200]);
		expect(emulator.tokenRequests()).toHaveLength(1);
	});

	it('401 for 8 requests in flight: one fresh token serves them all', async () => {
		const items = seedFlowItems(
			emulator,
			Array.from({ length: 8 }, (_, i) => `B2X_1_Expiry${i}`),
		);
		await fixture.run(setStepFromItems(), { items: items.slice(0, 1) });
		emulator.revokeAllTokens();
		emulator.clearRequests();
		// Answers take long enough for all 8 (the default Concurrency) to be on their way with the old token.
		emulator.setLatency(200);
		const { error } = await fixture.run(setStepFromItems(), { items });
		expect(error).toBeUndefined();
		expect(graphStatuses().filter((status) => status === 401)).toHaveLength(8);
		expect(emulator.tokenRequests()).toHaveLength(1);
		expect(emulator.requests.filter((r) => r.path.endsWith('/openid-configuration'))).toHaveLength(
			1,
		);
	});
});

describe('per-item request options', () => {
	it('an expression in Request Options is read for each item; the rest of the run shares one reading', async () => {
		emulator.injectFault({ target: 'graph', kind: 'status', status: 503, times: 2 });
		const { output } = await fixture.run(
			{ ...getFlow, requestOptions: { concurrency: 1, maxRetries: '={{ $json.retries }}' } },
			{ items: [{ retries: 0 }, { retries: 1 }], continueOnFail: true },
		);
		expect(output.map((item) => item.json.error === undefined)).toEqual([false, true]);
		expect(output[0].json.description).toMatch(/Gave up after 1 attempts/);
		expect(graphStatuses()).toEqual([503, 503, 200]);
	});
});

describe('tokens', () => {
	// An emulator of its own is a registration no earlier test has a token for.
	async function tokenRequestsOver(
		runs: number,
		options: { tokenLifetimeSeconds?: number } = {},
	): Promise<number> {
		return await withEmulator(options, async (own) => {
			addPartnerFlow(own);
			const credentials = secretCredential(own);
			for (let i = 0; i < runs; i++)
				expect(
					(await runNode({ parameters: getFlow as never, credentials })).error,
				).toBeUndefined();
			expect(own.graphRequests().every((request) => request.hasBearer)).toBe(true);
			return own.tokenRequests().length;
		});
	}

	it('one token serves every run of the process while it is valid', async () => {
		expect(await tokenRequestsOver(3)).toBe(1);
	});

	it('a token within five minutes of expiry is not handed out: the next request gets a new one', async () => {
		expect(await tokenRequestsOver(2, { tokenLifetimeSeconds: 240 })).toBe(2);
	});
});

describe('Graph errors', () => {
	it('403 carries Graph code, message, request ids and what to do about it', async () => {
		emulator.state
			.requireTenant(emulator.defaults.tenantId)
			.app(emulator.defaults.clientId)!.roles = [];
		// Roles are copied into a token when it is issued: make the cached one invalid.
		emulator.revokeAllTokens();
		const { error } = await run(getFlow);
		expect(error?.message).toBe(
			'Microsoft Graph error Authorization_RequestDenied: Insufficient privileges to complete the operation.',
		);
		expect(error?.httpCode).toBe('403');
		expect(error?.description).toContain('IdentityUserFlow.ReadWrite.All');
		const request = emulator.graphRequests().at(-1)!;
		expect(error?.description).toContain(
			`client-request-id: ${request.headers['client-request-id']}`,
		);
	});
});

describe('the bearer token goes to the configured Graph host only', () => {
	let foreign: Server;
	let foreignUrl: string;
	const foreignRequests: Array<{ path: string; authorization?: string }> = [];

	beforeAll(async () => {
		foreign = createServer(
			{
				cert: readFileSync(EMULATOR_FILES.serverCertificate),
				key: readFileSync(EMULATOR_FILES.serverKey),
			},
			(req, res) => {
				foreignRequests.push({ path: req.url ?? '', authorization: req.headers.authorization });
				res.writeHead(200, { 'Content-Type': 'application/json' });
				// A Graph impostor that sends the next page to another host.
				res.end(
					JSON.stringify({
						value: [{ id: 'B2X_1_a' }],
						'@odata.nextLink': `${emulator.graphBaseUrl}/v1.0/identity/b2xUserFlows?$skiptoken=x`,
					}),
				);
			},
		);
		await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
		foreignUrl = `https://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
	});
	afterAll(async () => await new Promise((resolve) => foreign.close(resolve)));

	it('a next page link on another host is not followed', async () => {
		const { error } = await run(
			{ resource: 'userFlow', operation: 'getAll', flowKind: 'b2x', returnAll: true },
			{ graphBaseUrl: foreignUrl },
		);
		expect(error?.message).toMatch(/Refusing to follow a link outside the configured Graph URL/);
		expect(foreignRequests).toHaveLength(1);
		// The emulator (another origin than the configured Graph URL) never saw a Graph request.
		expect(emulator.graphRequests()).toHaveLength(0);
	});
});
