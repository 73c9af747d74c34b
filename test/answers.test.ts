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
