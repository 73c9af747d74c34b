// How the node's Graph requests travel: over TLS connections kept open from one request (and run) to the next,
// and through n8n's own request helper, with its proxy, whenever a proxy is configured.
import { useConnectProxy } from './support/connectProxy';
import { addPartnerFlow, GET_PARTNER_FLOW } from './support/partnerFlow';
import { useEmulator } from './support/useEmulator';

const { emulator, run } = useEmulator({ seed: addPartnerFlow });

const runGetFlow = (items: number) =>
	run(GET_PARTNER_FLOW, { items: Array.from({ length: items }, () => ({})) });
const graphConnections = () =>
	new Set(emulator.graphRequests().map((request) => request.connection));

it('the requests of a run share connections kept open, at most Concurrency (8) of them; the next run opens none', async () => {
	const first = await runGetFlow(20);
	expect(first.error).toBeUndefined();
	expect(first.output).toHaveLength(20);
	expect(emulator.graphRequests()).toHaveLength(20);
	const opened = graphConnections();
	expect(opened.size).toBeGreaterThanOrEqual(1);
	expect(opened.size).toBeLessThanOrEqual(8);

	emulator.clearRequests();
	expect((await runGetFlow(20)).error).toBeUndefined();
	expect(emulator.graphRequests()).toHaveLength(20);
	expect([...graphConnections()].filter((connection) => !opened.has(connection))).toEqual([]);
});

it('a kept connection that Graph closed under a request: a GET goes again at once on a new connection', async () => {
	expect((await runGetFlow(1)).error).toBeUndefined();
	const [kept] = graphConnections();
	emulator.clearRequests();
	emulator.injectFault({ target: 'graph', kind: 'drop' });
	const started = Date.now();
	const { output, error } = await runGetFlow(1);
	expect(error).toBeUndefined();
	expect(output[0].json.id).toBe('B2X_1_Partner');
	const [dropped, answered] = emulator.graphRequests();
	expect([dropped.status, answered.status]).toEqual([0, 200]);
	expect(dropped.connection).toBe(kept);
	expect(answered.connection).not.toBe(kept);
	// Not after the retry loop's back-off (1 s): a server closes idle kept connections, so a safe request that
	// breaks on one is sent again straight away.
	expect(Date.now() - started).toBeLessThan(900);
});

describe('with a proxy configured', () => {
	const { tunnels } = useConnectProxy({ HTTPS_PROXY: '{proxy}' });

	it("Graph requests go through n8n's request helper, which tunnels them through the proxy", async () => {
		const { output, error } = await runGetFlow(2);
		expect(error).toBeUndefined();
		expect(output.map((item) => item.json.id)).toEqual(['B2X_1_Partner', 'B2X_1_Partner']);
		const emulatorHost = new URL(emulator.graphBaseUrl).host;
		// n8n's helper opens a connection (a tunnel) per request.
		expect(tunnels.filter((target) => target === emulatorHost)).toHaveLength(2);
		expect(
			emulator.graphRequests().every((request) => request.hasBearer && request.status === 200),
		).toBe(true);
	});
});
