// The workflows in examples/ (the ones `npm run demo` shows) run unchanged through n8n's engine and leave
// the tenant in the state they promise (test/support/exampleChecks.ts; the end-to-end run checks the same).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { EXAMPLE_CHECKS } from './support/exampleChecks';
import { CREDENTIAL_TYPE, runWorkflow } from './support/runWorkflow';
import { useEmulator } from './support/useEmulator';

const { credentials, tenant } = useEmulator();

const examplesFolder = join(__dirname, '..', 'examples');
const examples = readdirSync(examplesFolder).filter((file) => file.endsWith('.json'));

it('every example has its checks', () => {
	expect(examples.sort()).toEqual(Object.keys(EXAMPLE_CHECKS).sort());
});

it.each(examples)('%s', async (file) => {
	const workflow = JSON.parse(readFileSync(join(examplesFolder, file), 'utf8'));
	const run = await runWorkflow(workflow, { [CREDENTIAL_TYPE]: credentials() });
	expect(run.status).toBe('success');
	EXAMPLE_CHECKS[file](run.data.resultData.runData, tenant());
});
