// What each workflow in examples/ must achieve, checked the same way in jest (n8n-core in-process) and in
// the end-to-end run (the real n8n CLI): given the run's data and the emulator's directory afterwards.
import assert from 'node:assert/strict';

import type { IDataObject, IRunExecutionData } from 'n8n-workflow';

import { SEEDED_CONNECTORS, type Tenant } from '../../emulator/state';
import { registerSecret } from './secrets';

/** The connector password examples/api-connector-lifecycle.json gives; it must never come back. */
const EXAMPLE_CONNECTOR_PASSWORD = 'demo-only-password-change-me';
registerSecret(EXAMPLE_CONNECTOR_PASSWORD);

type RunData = IRunExecutionData['resultData']['runData'];

function firstItem(runData: RunData, node: string): IDataObject {
	const json = runData[node]?.[0]?.data?.main?.[0]?.[0]?.json;
	assert.ok(json, `node "${node}" produced no item`);
	return json;
}

export const EXAMPLE_CHECKS: Record<string, (runData: RunData, tenant: Tenant) => void> = {
	'user-flow-api-connectors.json': (runData, tenant) => {
		const read = firstItem(runData, 'Read API connector configuration');
		assert.equal(read.userFlowId, 'B2X_1_PartnerSignUp');
		assert.equal((read.postFederationSignup as IDataObject).id, SEEDED_CONNECTORS[0].id);
		assert.equal((read.postAttributeCollection as IDataObject).id, SEEDED_CONNECTORS[1].id);
		assert.deepEqual(tenant.userFlow('b2x', 'B2X_1_PartnerSignUp')?.apiConnectors, {
			postFederationSignup: SEEDED_CONNECTORS[0].id,
		});
	},
	'api-connector-lifecycle.json': (runData, tenant) => {
		const created = firstItem(runData, 'Create API connector');
		assert.equal((created.authenticationConfiguration as IDataObject).password, '******');
		assert.deepEqual(tenant.userFlow('b2x', 'B2X_1_ConnectorDemo')?.apiConnectors, {
			postAttributeCollection: created.id,
		});
		assert.ok(
			!JSON.stringify(runData).includes(EXAMPLE_CONNECTOR_PASSWORD),
			'the connector password reached the run data',
		);
	},
};
