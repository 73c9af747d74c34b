// Items run side by side (Request Options > Concurrency), in input order and paired, and one throttle gate per
// app registration + tenant: a 429's Retry-After holds every request of that app, not only the one that got it.
import { SEEDED_CONNECTORS } from '../emulator/state';
import { seedFlowItems, setStepFromItems } from './support/setStep';
import { useEmulator } from './support/useEmulator';

const { emulator, run } = useEmulator();
let items: Array<{ flow: string; connector: string }>;
const flows = Array.from({ length: 12 }, (_, i) => `B2X_1_Flow${i}`);

beforeEach(() => {
	items = seedFlowItems(emulator, flows);
});

it('runs up to Concurrency items at once and keeps input order and pairing', async () => {
	emulator.injectFault({ target: 'graph', kind: 'delay', delayMs: 200, times: 12 });
	const started = Date.now();
	const { output, error } = await run(setStepFromItems({ requestOptions: { concurrency: 4 } }), {
		items,
	});
	const elapsed = Date.now() - started;
	expect(error).toBeUndefined();
	expect(output.map((item) => [item.json.userFlowId, item.pairedItem])).toEqual(
		flows.map((flow, i) => [flow, { item: i }]),
	);
	// 12 requests of 200 ms, 4 at a time: about 600 ms, never the 2,400 ms of one at a time.
	expect(elapsed).toBeGreaterThanOrEqual(580);
	expect(elapsed).toBeLessThan(1_800);
	const requests = emulator.graphRequests();
	const inFlight = Math.max(
		...requests.map(
			(r) =>
				requests.filter(
					(o) => o.receivedAt <= r.receivedAt && (o.answeredAt ?? Infinity) > r.receivedAt,
				).length,
		),
	);
	expect(inFlight).toBe(4);
});

it('Concurrency 1 runs the items one after another', async () => {
	emulator.injectFault({ target: 'graph', kind: 'delay', delayMs: 100, times: 4 });
	const started = Date.now();
	await run(setStepFromItems({ requestOptions: { concurrency: 1 } }), {
		items: items.slice(0, 4),
	});
	expect(Date.now() - started).toBeGreaterThanOrEqual(390);
});

it("a 429's Retry-After holds every request of the app until it expires", async () => {
	emulator.injectFault({ target: 'graph', kind: 'status', status: 429, retryAfterSeconds: 1 });
	const { output, error } = await run(
		setStepFromItems({ requestOptions: { concurrency: 4 }, checkCurrentStep: true }),
		{ items },
	);
	expect(error).toBeUndefined();
	expect(output).toHaveLength(12);
	const requests = emulator.graphRequests();
	const throttled = requests.find((r) => r.status === 429)!;
	// Requests already on their way may land; nothing is sent after the 429 arrived until Retry-After ends.
	const sentDuringPause = requests.filter(
		(r) => r.receivedAt > throttled.answeredAt! + 50 && r.receivedAt < throttled.answeredAt! + 950,
	);
	expect(sentDuringPause).toEqual([]);
	expect(requests.filter((r) => r.status === 429)).toHaveLength(1);
});

it('without continue-on-fail the first failing item fails the node and no new item starts', async () => {
	const bad = [
		...items.slice(0, 3),
		{ flow: 'missing1', connector: SEEDED_CONNECTORS[0].id },
		...items.slice(3, 5),
		{ flow: 'missing2', connector: SEEDED_CONNECTORS[0].id },
		...items.slice(5),
	];
	const { error } = await run(setStepFromItems({ requestOptions: { concurrency: 2 } }), {
		items: bad,
	});
	expect(error?.message).toMatch(/B2X_1_missing1/);
	// Items after the failure that had not started were not run.
	expect(emulator.graphRequests().length).toBeLessThan(bad.length);
});

it('a failed run without continue-on-fail names the items that had already changed the tenant', async () => {
	const tenant = emulator.state.requireTenant(emulator.defaults.tenantId);
	tenant.addUserFlow({ id: 'B2X_1_Taken', kind: 'b2x' });
	const { output, error } = await run(
		{
			resource: 'userFlow',
			operation: 'create',
			flowKind: 'b2x',
			userFlowName: '={{ $json.name }}',
			ifFlowExists: 'fail',
			requestOptions: { concurrency: 3 },
		},
		{ items: [{ name: 'First' }, { name: 'Taken' }, { name: 'Third' }] },
	);
	// n8n keeps no output of the failed node: the error is the only place that says what was applied.
	expect(output).toEqual([]);
	expect(error?.message).toMatch(/already exists/);
	expect(tenant.userFlow('b2x', 'B2X_1_First')).toBeDefined();
	expect(tenant.userFlow('b2x', 'B2X_1_Third')).toBeDefined();
	expect(error?.description).toMatch(
		/already been applied and are in the tenant: item 1 \(B2X_1_First\); item 3 \(B2X_1_Third\)\./,
	);
});
