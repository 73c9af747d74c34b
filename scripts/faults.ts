// `npm run test:faults`: 1,000 Create / Set Step / Disable Step operations through n8n's engine while the
// emulator injects 20% 429 (half with Retry-After), 5% 503/504, 2% dropped connections and 2% answers slower
// than the request timeout. Prints the figures; exits non-zero if an item was lost, an effect happened twice,
// or the tenant does not end as the workflows asked.
import { parseArgs } from 'node:util';

import { runTrustingEmulator } from '../emulator/trust';

async function main() {
	const { values } = parseArgs({
		options: {
			operations: { type: 'string', default: '1000' },
			lanes: { type: 'string', default: '20' },
			seed: { type: 'string', default: '20261122' },
			timeout: { type: 'string', default: '2' },
		},
	});
	await import('../test/support/env');
	const { startEmulator } = await import('../emulator');
	const { runFaultScenario } = await import('../test/support/faultRun');
	const emulator = await startEmulator();
	try {
		const figures = await runFaultScenario(emulator, {
			operations: Number(values.operations),
			lanes: Number(values.lanes),
			seed: Number(values.seed),
			requestTimeoutSeconds: Number(values.timeout),
		});
		const rows: Array<[string, string | number]> = [
			['operations (items in)', figures.itemsIn],
			['items out: success', figures.successItems],
			['items out: error', figures.errorItems],
			['lost items', figures.lostItems],
			['duplicate effects', figures.duplicateEffects],
			['flows not as asked', figures.wrongFinalState],
			['Graph requests', figures.graphRequests],
			['retries made', figures.retries],
			['Retry-After asked by Graph, sum (s)', figures.retryAfterWaitSeconds],
			...Object.entries(figures.injectedFaults).map(([kind, count]): [string, number] => [
				`injected: ${kind}`,
				count,
			]),
			['wall time (s)', figures.seconds.toFixed(1)],
		];
		for (const [name, value] of rows) console.log(`${name.padEnd(34)} ${value}`);
		for (const error of figures.errors.slice(0, 20)) console.log(`error item: ${error}`);
		const failed = [figures.lostItems, figures.duplicateEffects, figures.wrongFinalState].filter(
			(count) => count > 0,
		).length;
		console.log(`${3 - failed} passed, ${failed} failed`);
		process.exitCode = failed ? 1 : 0;
	} finally {
		await emulator.close();
	}
}

runTrustingEmulator(main);
