// The workflows in examples/ (the ones `npm run demo` shows) run unchanged through n8n's engine and leave
// the tenant in the state they promise.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { SEEDED_CONNECTORS } from './emulator/state';
import { startEmulator, type Emulator } from './emulator';
import { secretCredential } from './support/credentials';
import { CREDENTIAL_TYPE, runWorkflow } from './support/runWorkflow';

let emulator: Emulator;

beforeAll(async () => {
	emulator = await startEmulator();
});
afterAll(async () => await emulator.close());
beforeEach(() => emulator.reset());

const example = (file: string) => JSON.parse(readFileSync(join(__dirname, '..', 'examples', file), 'utf8'));
const tenant = () => emulator.state.requireTenant(emulator.defaults.tenantId);

it('user-flow-api-connectors.json: creates the flow, connects both steps, reads them, disables one', async () => {
	const run = await runWorkflow(example('user-flow-api-connectors.json'), { [CREDENTIAL_TYPE]: secretCredential(emulator) });
	expect(run.status).toBe('success');
	const read = run.data.resultData.runData['Read API connector configuration'][0].data!.main[0]![0].json;
	expect(read).toMatchObject({
		userFlowId: 'B2X_1_PartnerSignUp',
		postFederationSignup: { id: SEEDED_CONNECTORS[0].id },
		postAttributeCollection: { id: SEEDED_CONNECTORS[1].id },
	});
	expect(tenant().userFlow('b2x', 'B2X_1_PartnerSignUp')?.apiConnectors).toEqual({ postFederationSignup: SEEDED_CONNECTORS[0].id });
});

it('api-connector-lifecycle.json: creates a connector and attaches it to the postAttributeCollection step', async () => {
	const run = await runWorkflow(example('api-connector-lifecycle.json'), { [CREDENTIAL_TYPE]: secretCredential(emulator) });
	expect(run.status).toBe('success');
	const created = run.data.resultData.runData['Create API connector'][0].data!.main[0]![0].json;
	expect(created.authenticationConfiguration).toMatchObject({ password: '******' });
	expect(tenant().userFlow('b2x', 'B2X_1_ConnectorDemo')?.apiConnectors).toEqual({ postAttributeCollection: created.id });
	expect(JSON.stringify(run.data.resultData.runData)).not.toContain('demo-only-password-change-me');
});
