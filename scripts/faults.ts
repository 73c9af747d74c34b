// `npm run test:faults`: about 1,050 operations through n8n's engine in 20 executions side by side: User Flow
// Create / Set Step / Disable Step and API Connector Create / Update / Upload Client Certificate, half of them
// with Batching on, while the emulator injects 20% 429 (half with Retry-After), 5% 503/504, 5% 503/504 after
// carrying the request out, 4% dropped connections (half after carrying it out) and 2% answers slower than the
// request timeout; the steps of a $batch draw their own 429, 503 and 504 (before or after the effect). The
// emulator's directory judges every item's output. Prints every figure; exits non-zero if an item was lost, an
// effect happened twice, an output claimed what the tenant does not show, a POST that took effect failed
// without saying the object may exist, or the tenant does not end as the workflows asked.
// `--wrong-expectation` makes the judge expect what the workflows did not ask: the run must then fail.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { runTrustingEmulator } from '../emulator/trust';

async function main() {
	const { values } = parseArgs({
		options: {
			// Items per lane: operations / 3 / lanes. Update and Upload take the connectors that Create made.
			operations: { type: 'string', default: '1200' },
			lanes: { type: 'string', default: '20' },
			seed: { type: 'string', default: '20261122' },
			// The node's Request Timeout (s); slow answers take 0.5 s longer. The node and the emulator share this
			// process's one thread: on a loaded machine a shorter timeout also fails answers that were not slow.
			timeout: { type: 'string', default: '5' },
			'wrong-expectation': { type: 'boolean', default: false },
		},
	});
	await import('../test/support/env');
	const { startEmulator } = await import('../emulator');
	const { runFaultScenario } = await import('../test/support/faultRun');
	const emulator = await startEmulator();
	try {
		// How long the thread that runs n8n, the node and the emulator was busy: what a timeout also measures.
		const eventLoop = monitorEventLoopDelay({ resolution: 20 });
		eventLoop.enable();
		const figures = await runFaultScenario(emulator, {
			operations: Number(values.operations),
			lanes: Number(values.lanes),
			seed: Number(values.seed),
			requestTimeoutSeconds: Number(values.timeout),
			wrongExpectation: values['wrong-expectation'],
		});
		const print = (name: string, value: string | number) =>
			console.log(`${name.padEnd(52)} ${value}`);
		print('operations (items in)', figures.itemsIn);
		print('items out: success', figures.successItems);
		print('items out: error', figures.errorItems);
		for (const [operation, { itemsIn, success, error, lost }] of Object.entries(
			figures.operations,
		)) {
			print(`  ${operation}`, `${itemsIn} in, ${success} success, ${error} error, ${lost} lost`);
		}
		for (const [operation, { items, existed }] of Object.entries(figures.mayExist)) {
			print(`errors saying it may exist: ${operation}`, `${items} (${existed} did exist)`);
		}
		const checks: Array<[string, number]> = [
			['lost items', figures.lostItems],
			['duplicate flows', figures.duplicateFlows],
			['duplicate connectors', figures.duplicateConnectors],
			['duplicate certificate entries', figures.duplicateCertificates],
			['false successes', figures.falseSuccesses],
			['POSTs applied, error not saying "may exist"', figures.unflaggedEffects],
			['flows and connectors not as asked', figures.wrongFinalState],
		];
		for (const [name, count] of checks) print(name, count);
		print('Graph requests (steps of a $batch included)', figures.graphRequests);
		print('  of them $batch POSTs', figures.batchRequests);
		print('retries made', figures.retries);
		print('Retry-After asked by Graph, sum (s)', figures.retryAfterWaitSeconds);
		for (const [kind, count] of Object.entries(figures.injectedFaults).sort()) {
			print(`injected: ${kind}`, count);
		}
		eventLoop.disable();
		print('wall time (s)', figures.seconds.toFixed(1));
		print(
			'event loop delay p99 / max (ms)',
			`${(eventLoop.percentile(99) / 1e6).toFixed(0)} / ${(eventLoop.max / 1e6).toFixed(0)}`,
		);
		// Error items by operation and message, the names and ids of flows and connectors left out.
		const errorKinds = new Map<string, number>();
		for (const error of figures.errors) {
			const kind = error
				.replace(/(B2X_1_)?Fault[CF]\d+x\d+ ?/g, '')
				.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '{id}');
			errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
		}
		for (const [kind, count] of [...errorKinds].sort((a, b) => b[1] - a[1])) {
			console.log(`error items: ${String(count).padStart(4)} ${kind}`);
		}
		for (const finding of figures.findings.slice(0, 30)) console.log(`FAILED ${finding}`);
		const failed = checks.filter(([, count]) => count > 0).length;
		console.log(`${checks.length - failed} checks passed, ${failed} failed`);
		process.exitCode = failed ? 1 : 0;
	} finally {
		await emulator.close();
	}
}

runTrustingEmulator(main);
