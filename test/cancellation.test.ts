// The user's Stop (n8n's execution cancel signal): no item starts afterwards, requests on their way are
// abandoned, and a throttle or back-off pause ends without sending anything. n8n ends the execution at once
// but leaves the node's promise running, so without this a stopped run would go on changing the tenant.
import { seedFlowItems, setStepFromItems } from './support/setStep';
import { useEmulator } from './support/useEmulator';

const { emulator, run } = useEmulator();
let items: Array<{ flow: string; connector: string }>;

beforeEach(() => {
	items = seedFlowItems(
		emulator,
		Array.from({ length: 40 }, (_, i) => `B2X_1_Stop${i}`),
	);
});

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Graph requests on the wire: a $batch POST is one, its steps are not. */
const roundTrips = () => emulator.graphRequests().filter((r) => r.batchId === undefined);

/** Resolves with the time of the stop once what the emulator has seen makes `ready` true. */
async function stopOnceSeen(ready: () => boolean): Promise<number> {
	while (!ready()) await settle(5);
	return Date.now();
}

// The stop comes once the first requests of the run are all on their way: 8 items at a time (the default
// Concurrency), or one batch of 20 items at a time.
describe.each([
	['one request per item', {}, 8],
	['batching on', { batching: true, concurrency: 20 }, 1],
])('Stop with %s', (_way, requestOptions, firstRequests) => {
	it('starts no further item and abandons the requests on their way', async () => {
		// Long enough that the first answers cannot come before the last of the first requests is on its way, even
		// when a busy CPU spreads their starts (300 ms was not, under CI's load).
		emulator.setLatency(1_500);
		const stopped = stopOnceSeen(() => roundTrips().length >= firstRequests);
		const { run: execution } = await run(setStepFromItems({ requestOptions }), {
			items,
			stopWhen: stopped,
		});
		// Without the stop, the next requests would follow the first answers 1.5 s later.
		await settle(2_000);
		expect(execution.status).toBe('canceled');
		const requests = roundTrips();
		expect(requests).toHaveLength(firstRequests);
		// Abandoned: the connection closed before Graph's answer could arrive.
		expect(requests.map((r) => r.status)).toEqual(requests.map(() => 0));
	});
});

it('sends nothing when a Retry-After pause of a stopped execution ends', async () => {
	emulator.injectFault({ target: 'graph', kind: 'status', status: 429, retryAfterSeconds: 1 });
	const stopped = stopOnceSeen(() => emulator.graphRequests().some((r) => r.status === 429));
	await run(setStepFromItems({ requestOptions: { concurrency: 4 } }), {
		items,
		stopWhen: stopped,
	});
	const stoppedAt = await stopped;
	await settle(1_500);
	expect(emulator.graphRequests().filter((r) => r.receivedAt > stoppedAt + 50)).toEqual([]);
});
