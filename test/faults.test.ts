// The smaller form of `npm run test:faults`: user flows and API connectors, with and without Batching, under
// random throttling, 5xx (some after Graph carried the request out), dropped and slow answers: no item is
// lost, nothing happens twice, no output claims what the tenant does not show, and the tenant ends as the
// workflows asked.
import { runFaultScenario } from './support/faultRun';
import { useEmulator } from './support/useEmulator';

const { emulator } = useEmulator({ reset: false });

it('72 operations in 4 parallel executions (flows, connectors; direct, batched) under injected faults', async () => {
	const figures = await runFaultScenario(emulator, {
		operations: 72,
		lanes: 4,
		seed: 20261122,
		requestTimeoutSeconds: 1,
	});
	expect(figures.findings).toEqual([]);
	expect(Object.keys(figures.operations).sort()).toEqual([
		'API Connector > Create',
		'API Connector > Create (Batching)',
		'API Connector > Update',
		'API Connector > Update (Batching)',
		'Disable Step',
		'Disable Step (Batching)',
		'Set Step',
		'Set Step (Batching)',
		'Upload Client Certificate',
		'Upload Client Certificate (Batching)',
		'User Flow > Create',
		'User Flow > Create (Batching)',
	]);
	expect(figures.lostItems).toBe(0);
	expect(figures.successItems + figures.errorItems).toBe(figures.itemsIn);
	expect(figures.batchRequests).toBeGreaterThan(0);
	// The run really was under fire, after the effect too.
	expect(Object.values(figures.injectedFaults).reduce((a, b) => a + b, 0)).toBeGreaterThan(10);
	expect(figures.retries).toBeGreaterThan(5);
}, 180_000);

it('the judge fails a run whose expectation is wrong', async () => {
	const figures = await runFaultScenario(emulator, {
		operations: 12,
		lanes: 4,
		seed: 7,
		requestTimeoutSeconds: 1,
		wrongExpectation: true,
	});
	expect(figures.falseSuccesses).toBeGreaterThan(0);
	expect(figures.wrongFinalState).toBeGreaterThan(0);
}, 180_000);
