// `npm run demo`: runs every workflow in examples/ against the local Graph + Entra emulator (no tenant needed).
// Those made of this package's nodes run through n8n's workflow engine here, printing what each node returned and
// what Graph received. The nightly drift check with approval needs n8n's own Schedule, IF and Wait nodes and a
// running n8n to resume the Wait: it runs in a real n8n (Node 24 and n8n fetched into .cache/ the first time).
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import type { Emulator } from '../emulator';
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
			if (RUNNING_N8N_EXAMPLES.includes(file)) continue;
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
		for (const file of RUNNING_N8N_EXAMPLES) {
			console.log(
				`=== examples/${file}, in a real n8n: published on a 3 s schedule, drift seeded, approved through the Wait's resume URL`,
			);
			if (!(await runDriftCheckInN8n(emulator))) failed = true;
		}
	} finally {
		await emulator.close();
	}
	if (failed) process.exit(1);
}

/** The end-to-end run's drift check, on a user folder of its own: each step printed, false if one failed. */
async function runDriftCheckInN8n(emulator: Emulator): Promise<boolean> {
	const { prepareN8n } = await import('./prepareN8n');
	const { DEV_LOGIN, setUpOwner } = await import('./realN8n');
	const { checkConfigurationDrift } = await import('./e2e/configurationDrift');
	const { anyFailed } = await import('./e2e/check');
	const work = mkdtempSync(join(tmpdir(), 'n8n-entra-demo-'));
	try {
		const prepared = await prepareN8n({ work, emulator });
		await checkConfigurationDrift(emulator, prepared, work, (n8n) =>
			setUpOwner(n8n.baseUrl, DEV_LOGIN),
		);
		return !anyFailed();
	} finally {
		rmSync(work, { recursive: true, force: true });
	}
}

runTrustingEmulator(main);
