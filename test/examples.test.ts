// The workflows in examples/ (the ones `npm run demo` shows) run unchanged through n8n's engine and leave
// the tenant in the state they promise (test/support/exampleChecks.ts; the end-to-end run checks the same).
// The examples that need n8n's own nodes and a running n8n (RUNNING_N8N_EXAMPLES) are left to the end-to-end run.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { EXAMPLE_CHECKS, RUNNING_N8N_EXAMPLES } from './support/exampleChecks';
import {
	CREDENTIAL_TYPE,
	ENTRA_PRODUCTION_CREDENTIAL_ID,
	runWorkflow,
} from './support/runWorkflow';
import { useEmulator } from './support/useEmulator';

const { credentials, tenant, productionCredentials, productionTenant } = useEmulator();

const examplesFolder = join(__dirname, '..', 'examples');
const examples = readdirSync(examplesFolder).filter((file) => file.endsWith('.json'));

it('every example has its checks, or is run by the end-to-end run in a running n8n', () => {
	expect(examples.sort()).toEqual([...Object.keys(EXAMPLE_CHECKS), ...RUNNING_N8N_EXAMPLES].sort());
});

it.each(Object.keys(EXAMPLE_CHECKS))('%s', async (file) => {
	const workflow = JSON.parse(readFileSync(join(examplesFolder, file), 'utf8'));
	const run = await runWorkflow(workflow, {
		[CREDENTIAL_TYPE]: credentials(),
		[ENTRA_PRODUCTION_CREDENTIAL_ID]: productionCredentials(),
	});
	expect(run.status).toBe('success');
	EXAMPLE_CHECKS[file](run.data.resultData.runData, {
		dev: tenant(),
		production: productionTenant(),
	});
});
