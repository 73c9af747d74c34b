// `npm run test:fuzz`: 10,000 generated parameter sets (ids with '/', '..', '?', '#', '%2F', unicode, 10 kB
// strings, empty values, wrong types through expressions, unknown steps, URLs on other hosts, http target
// URLs) through n8n's engine, half against Graph v1.0 and half against beta. Prints the figures.
import { parseArgs } from 'node:util';

import { runTrustingEmulator } from '../emulator/trust';

async function main() {
	const { values } = parseArgs({
		options: {
			sets: { type: 'string', default: '10000' },
			seed: { type: 'string', default: '20261122' },
		},
	});
	await import('../test/support/env');
	const { startEmulator } = await import('../emulator');
	const { runFuzz } = await import('../test/support/fuzz');
	const emulator = await startEmulator();
	try {
		const half = Math.ceil(Number(values.sets) / 2);
		const runs = [
			await runFuzz(emulator, { sets: half, seed: Number(values.seed), version: 'v1.0' }),
			await runFuzz(emulator, {
				sets: Number(values.sets) - half,
				seed: Number(values.seed) + 1,
				version: 'beta',
			}),
		];
		const total = (name: keyof (typeof runs)[0]) =>
			runs.reduce((sum, run) => sum + Number(run[name]), 0);
		const rows: Array<[string, number | string]> = [
			['parameter sets', total('parameterSets')],
			['  valid (per the independent oracle)', total('validSets')],
			['  invalid', total('invalidSets')],
			['Graph requests sent', total('graphRequests')],
			['error items (continue-on-fail)', total('errorItems')],
			['unhandled exceptions', total('unhandledExceptions')],
			['requests to an unintended path', total('requestsToUnintendedPaths')],
			['requests sent for invalid input', total('requestsForInvalidInput')],
			['empty or generic error messages', total('emptyOrGenericMessages')],
			['wall time (s)', total('seconds').toFixed(1)],
		];
		for (const [name, value] of rows) console.log(`${name.padEnd(38)} ${value}`);
		for (const example of runs.flatMap((run) => run.examples).slice(0, 25))
			console.log(`  ${example}`);
		const checks = [
			'unhandledExceptions',
			'requestsToUnintendedPaths',
			'requestsForInvalidInput',
			'emptyOrGenericMessages',
		] as const;
		const failed = checks.filter((name) => total(name) > 0).length;
		console.log(`${checks.length - failed} passed, ${failed} failed`);
		process.exitCode = failed ? 1 : 0;
	} finally {
		await emulator.close();
	}
}

runTrustingEmulator(main);
