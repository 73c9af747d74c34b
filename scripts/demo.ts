// `npm run demo`: runs every workflow in examples/ through n8n's workflow engine against the local
// Graph + Entra emulator (no tenant needed) and prints what each node returned and what Graph received.
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { runTrustingEmulator } from '../emulator/trust';

const repository = resolve(__dirname, '..', '..');

async function main() {
	await import('../test/support/env');
	const { startEmulator } = await import('../emulator');
	const { runWorkflow, CREDENTIAL_TYPE, ENTRA_PRODUCTION_CREDENTIAL_ID } =
		await import('../test/support/runWorkflow');
	const { productionCredential, secretCredential } = await import('../test/support/credentials');
	const { RUNNING_N8N_EXAMPLES } = await import('../test/support/exampleChecks');

	const emulator = await startEmulator();
	let failed = false;
	try {
		const credentials = {
			[CREDENTIAL_TYPE]: secretCredential(emulator),
			[ENTRA_PRODUCTION_CREDENTIAL_ID]: productionCredential(emulator),
		};
		console.log(
			`Local Graph + Entra emulator on ${emulator.url} (tenant ${emulator.defaults.tenantId})\n`,
		);
		const examples = readdirSync(join(repository, 'examples')).filter((file) =>
			file.endsWith('.json'),
		);
		for (const file of examples) {
			const workflow = JSON.parse(readFileSync(join(repository, 'examples', file), 'utf8'));
			if (RUNNING_N8N_EXAMPLES.includes(file)) {
				console.log(
					`=== ${workflow.name} (examples/${file}): needs n8n's Schedule Trigger, IF and Wait nodes and a running n8n to resume the Wait; npm run test:e2e runs it, npm run dev shows it in the editor\n`,
				);
				continue;
			}
			// Each example starts from the seeded tenants, as in the specs and the end-to-end run.
			emulator.reset();
			emulator.clearRequests();
			const run = await runWorkflow(workflow, credentials);
			console.log(`=== ${workflow.name} (examples/${file}): ${run.status}`);
			for (const [nodeName, tasks] of Object.entries(run.data.resultData.runData)) {
				const task = tasks[0];
				if (task.error) console.log(`--- ${nodeName}: ERROR ${task.error.message}`);
				for (const item of task.data?.main?.[0] ?? []) {
					if (Object.keys(item.json).length)
						console.log(`--- ${nodeName}\n${JSON.stringify(item.json, null, 2)}`);
				}
			}
			console.log('\nGraph requests the emulator received:');
			for (const request of emulator.graphRequests()) {
				const body = request.body === undefined ? '' : ` ${JSON.stringify(request.body)}`;
				console.log(
					`  ${request.status} ${request.method} ${request.path}${request.rawQuery ? `?${request.rawQuery}` : ''}${body}`,
				);
			}
			console.log(`Token requests: ${emulator.tokenRequests().length}\n`);
			if (run.status !== 'success') failed = true;
		}
	} finally {
		await emulator.close();
	}
	if (failed) process.exit(1);
}

runTrustingEmulator(main);
