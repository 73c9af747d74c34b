// The smaller form of `npm run test:faults`: under random throttling, 5xx, dropped and slow answers no item
// is lost, nothing happens twice, and the tenant ends as the workflows asked.
import { runFaultScenario } from './support/faultRun';
import { useEmulator } from './support/useEmulator';

const { emulator } = useEmulator({ reset: false });

it('36 operations in 6 parallel executions under injected faults', async () => {
	const figures = await runFaultScenario(emulator, {
		operations: 36,
		lanes: 6,
		seed: 20261122,
		requestTimeoutSeconds: 1,
	});
	expect(figures.itemsIn).toBe(36);
	expect(figures.lostItems).toBe(0);
	expect(figures.successItems + figures.errorItems).toBe(36);
	expect(figures.duplicateEffects).toBe(0);
	expect(figures.wrongFinalState).toBe(0);
	expect(figures.errors).toEqual([]);
	// The run really was under fire.
	expect(Object.values(figures.injectedFaults).reduce((a, b) => a + b, 0)).toBeGreaterThan(5);
	expect(figures.retries).toBeGreaterThan(5);
}, 120_000);
