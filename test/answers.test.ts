// A 2xx that is not what Graph sends for it (an HTML page, a truncated or empty body, a 200 with an error in
// it, a 204 on a GET) is no success: the item fails and says what came back. A Graph answer that never
// completes, or never ends (a trickle, a next link that points at itself, a body of hundreds of megabytes),
// ends with a clear error within the user's bounds.
import { secretCredential } from './support/credentials';
import { byId } from './support/parameters';
import { recordingServer, type Handler } from './support/recordingServer';
import { useEmulator } from './support/useEmulator';

const { emulator, run } = useEmulator();
// Graph: a server that answers what the spec says; tokens still come from the emulator's Entra.
const graph = recordingServer('https');
const credentials = () => secretCredential(emulator, { graphBaseUrl: graph.url });

const getFlow = {
	resource: 'userFlow',
	operation: 'get',
	flowKind: 'b2x',
	userFlow: byId('B2X_1_Partner'),
};
const getConfiguration = { ...getFlow, resource: 'apiConnectorConfiguration' };
const disableCheckingFirst = {
	...getFlow,
	resource: 'apiConnectorConfiguration',
	operation: 'disableStep',
	step: 'postAttributeCollection',
	options: { checkCurrentStep: true },
};

const json = (body: unknown): ReturnType<Handler> => ({
	status: 200,
	headers: { 'Content-Type': 'application/json' },
	body: JSON.stringify(body),
});

describe('a 2xx that is not a Graph answer fails the item, naming what came back', () => {
	it.each([
		[
			'an HTML page',
			{ status: 200, headers: { 'Content-Type': 'text/html' }, body: '<html>Gateway</html>' },
			/not a JSON object/,
		],
		[
			'truncated JSON',
			{ status: 200, body: '{"id":"B2X_1_Partner","userFlowTy' },
			/not a JSON object/,
		],
		['an empty 200', { status: 200, body: '' }, /answered 200 with no body/],
		['a 204 on a GET', { status: 204 }, /answered 204 with no body/],
		[
			'a 200 with an error body',
			json({ error: { code: 'Internal', message: 'boom' } }),
			/error in its body/,
		],
	] as Array<[string, ReturnType<Handler>, RegExp]>)(
		'User Flow > Get, %s',
		async (_what, answer, why) => {
			graph.handler = () => answer;
			const { output, error } = await run(getFlow, { credentials: credentials() });
			expect(output).toEqual([]);
			expect(error?.description).toMatch(why);
			expect(error?.description).toMatch(/GET \/identity\/b2xUserFlows\/B2X_1_Partner answered/);
		},
	);

	it('Get Configuration with an HTML 200 does not say the steps are off', async () => {
		graph.handler = () => ({ status: 200, body: '<html>Sign in to the proxy</html>' });
		const { output, error } = await run(getConfiguration, { credentials: credentials() });
		expect(output).toEqual([]);
		expect(error?.description).toMatch(/not a JSON object/);
	});

	it('Disable Step, checking first, with an empty 200 on the GET does not say "changed: false"', async () => {
		graph.handler = () => ({ status: 200, body: '' });
		const { output, error } = await run(disableCheckingFirst, { credentials: credentials() });
		expect(output).toEqual([]);
		expect(error?.description).toMatch(/with no body/);
		// The step was not written on the strength of an answer that said nothing.
		expect(graph.seen.map((seen) => seen.method)).toEqual(['GET']);
	});

	it('a 204 on a PUT (Graph documents it) is the success it always was', async () => {
		graph.handler = () => ({ status: 204 });
		const { output, error } = await run(
			{ ...disableCheckingFirst, options: { checkCurrentStep: false } },
			{ credentials: credentials() },
		);
		expect(error).toBeUndefined();
		expect(output[0].json).toMatchObject({ userFlowId: 'B2X_1_Partner', changed: true });
	});
});

describe('answers that never complete or never end', () => {
	it('a Graph that trickles a byte a second ends within Request Timeout, not at its own pace', async () => {
		let timer: NodeJS.Timeout | undefined;
		graph.handler = () => ({
			status: 200,
			respond: (response) => {
				response.writeHead(200, { 'Content-Type': 'application/json' });
				response.write('{');
				timer = setInterval(() => response.write(' '), 1_000);
				response.on('close', () => clearInterval(timer));
			},
		});
		const started = Date.now();
		const { error } = await run(
			{ ...getFlow, requestOptions: { requestTimeoutSeconds: 2, maxRetries: 0 } },
			{ credentials: credentials() },
		);
		clearInterval(timer);
		expect(Date.now() - started).toBeLessThan(5_000);
		expect(error?.message).toMatch(/ETIMEDOUT/);
	});

	it('a next link that points at itself ends the listing with a clear error', async () => {
		graph.handler = (seen) =>
			json({ value: [{ id: 'B2X_1_Loop' }], '@odata.nextLink': `${graph.url}${seen.url}` });
		const { output, error } = await run(
			{ resource: 'userFlow', operation: 'getAll', flowKind: 'b2x', returnAll: true },
			{ credentials: credentials() },
		);
		expect(output).toEqual([]);
		expect(error?.message).toMatch(/points at a page already read/);
		expect(graph.seen.length).toBeLessThanOrEqual(3);
	});

	it('an answer of hundreds of megabytes is not read to the end: the item fails saying so', async () => {
		const megabyte = Buffer.alloc(1024 * 1024, 'a');
		let written = 0;
		graph.handler = () => ({
			status: 200,
			respond: (response) => {
				response.writeHead(200, { 'Content-Type': 'application/json' });
				const more = () => {
					while (written < 600 && response.write(megabyte)) written++;
					if (written < 600) response.once('drain', more);
					else response.end();
				};
				response.on('close', () => (written = 600));
				more();
			},
		});
		const { error } = await run(
			{ ...getFlow, requestOptions: { maxRetries: 0 } },
			{ credentials: credentials() },
		);
		expect(error?.message).toMatch(/EANSWERTOOLARGE/);
		expect(error?.description).toMatch(/larger than 16 MiB/);
		expect(written).toBeLessThan(600);
	});
});
