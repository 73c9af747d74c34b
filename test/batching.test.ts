// Request Options > Batching: the requests of items running together go to Graph's $batch, 20 at most a
// batch, and each step is handled like a direct request (a 429 inside a 200 waits and is sent again).
import { SEEDED_CONNECTORS } from '../emulator/state';
import { seedFlowItems, setStepFromItems } from './support/setStep';
import { useEmulator } from './support/useEmulator';

const { emulator, tenant, run } = useEmulator();
let items: Array<{ flow: string; connector: string }>;
const flows = Array.from({ length: 30 }, (_, i) => `B2X_1_Batch${i}`);

beforeEach(() => {
	items = seedFlowItems(emulator, flows);
});

const batches = () => emulator.graphRequests().filter((r) => r.path.endsWith('/$batch'));
const steps = () => emulator.graphRequests().filter((r) => r.batchId !== undefined);

it('30 items: two batches (20 + 10), each step the documented PUT, outputs in order and paired', async () => {
	const { output, error } = await run(setStepFromItems({ requestOptions: { batching: true } }), {
		items,
	});
	expect(error).toBeUndefined();
	expect(
		batches().map((b) => [b.method, b.path, (b.body as { requests: unknown[] }).requests.length]),
	).toEqual([
		['POST', '/v1.0/$batch', 20],
		['POST', '/v1.0/$batch', 10],
	]);
	expect(steps()[0]).toMatchObject({
		method: 'PUT',
		path: `/v1.0/identity/b2xUserFlows/${flows[0]}/apiConnectorConfiguration/postAttributeCollection/$ref`,
		body: {
			'@odata.id': `${emulator.graphBaseUrl}/v1.0/identity/apiConnectors/${SEEDED_CONNECTORS[0].id}`,
		},
	});
	expect(output.map((item) => [item.json.userFlowId, item.pairedItem])).toEqual(
		flows.map((flow, i) => [flow, { item: i }]),
	);
	for (const [i, flow] of flows.entries())
		expect(tenant().userFlow('b2x', flow)?.apiConnectors.postAttributeCollection).toBe(
			SEEDED_CONNECTORS[i % 2].id,
		);
});

it('a request alone in its turn goes directly, not as a batch of one', async () => {
	const { output, error } = await run(setStepFromItems({ requestOptions: { batching: true } }), {
		items: items.slice(0, 1),
	});
	expect(error).toBeUndefined();
	expect(output).toHaveLength(1);
	expect(batches()).toHaveLength(0);
	expect(emulator.graphRequests().map((r) => [r.method, r.path])).toEqual([
		[
			'PUT',
			`/v1.0/identity/b2xUserFlows/${flows[0]}/apiConnectorConfiguration/postAttributeCollection/$ref`,
		],
	]);
});

it('steps throttled inside a 200 batch wait for their Retry-After and are sent again; nothing fails', async () => {
	// 12 a minute of 1 s in fixed windows; the node's pace is off here (its minute is 1 ms), so the batch meets it.
	emulator.setBudget({ variant: 'window', perAppPerMinute: 12, timeScale: 60 });
	const started = Date.now();
	const { output, error } = await run(setStepFromItems({ requestOptions: { batching: true } }), {
		items: items.slice(0, 20),
	});
	expect(error).toBeUndefined();
	expect(output.every((item) => item.json.changed === true)).toBe(true);
	expect(emulator.budgetStats()).toMatchObject({ admitted: 20, tooManyRequests: 8 });
	expect(Date.now() - started).toBeGreaterThanOrEqual(900);
	expect(steps().filter((s) => s.status === 429)).toHaveLength(8);
});

it('Set Step with checking first: GET and PUT of each item go in batches; a missing flow is that item only', async () => {
	const { output } = await run(
		setStepFromItems({ requestOptions: { batching: true }, checkCurrentStep: true }),
		{
			items: [...items.slice(0, 4), { flow: 'B2X_1_Missing', connector: SEEDED_CONNECTORS[0].id }],
			continueOnFail: true,
		},
	);
	expect(
		output.map((item) =>
			item.json.error ? `error ${String(item.json.httpCode)}` : item.json.changed,
		),
	).toEqual([true, true, true, true, 'error 404']);
	expect(batches()).toHaveLength(2);
	expect(steps().map((s) => s.method)).toEqual([
		'GET',
		'GET',
		'GET',
		'GET',
		'GET',
		'PUT',
		'PUT',
		'PUT',
		'PUT',
	]);
});
