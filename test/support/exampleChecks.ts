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

/** The tenants an example may change: the seeded External ID (dev) tenant and the empty production one. */
export interface ExampleTenants {
	dev: Tenant;
	production: Tenant;
}

/**
 * Examples that need n8n's own nodes (Schedule Trigger, Code, IF, Wait) and a running n8n to resume a Wait:
 * the end-to-end run drives them (scripts/e2e/configurationDrift.ts); the in-process runner cannot.
 */
export const RUNNING_N8N_EXAMPLES = ['configuration-nightly-drift-approval.json'];

function firstItem(runData: RunData, node: string): IDataObject {
	const json = runData[node]?.[0]?.data?.main?.[0]?.[0]?.json;
	assert.ok(json, `node "${node}" produced no item`);
	return json;
}

export const EXAMPLE_CHECKS: Record<string, (runData: RunData, tenants: ExampleTenants) => void> = {
	'user-flow-api-connectors.json': (runData, { dev: tenant }) => {
		const read = firstItem(runData, 'Read API connector configuration');
		assert.equal(read.userFlowId, 'B2X_1_PartnerSignUp');
		assert.equal((read.postFederationSignup as IDataObject).id, SEEDED_CONNECTORS[0].id);
		assert.equal((read.postAttributeCollection as IDataObject).id, SEEDED_CONNECTORS[1].id);
		assert.deepEqual(tenant.userFlow('b2x', 'B2X_1_PartnerSignUp')?.apiConnectors, {
			postFederationSignup: SEEDED_CONNECTORS[0].id,
		});
	},
	'api-connector-lifecycle.json': (runData, { dev: tenant }) => {
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
	'configuration-promote-dev-to-production.json': (runData, { dev, production }) => {
		const exported = firstItem(runData, 'Export dev');
		const planned = firstItem(runData, 'Plan production');
		const applied = firstItem(runData, 'Apply to production');
		assert.equal(applied.fingerprint, planned.fingerprint);
		assert.equal(applied.writes, (planned.summary as IDataObject).total);
		const names = (tenant: Tenant) =>
			[...tenant.connectors.values()].map((connector) => connector.displayName).sort();
		assert.deepEqual(names(production), names(dev));
		const devIds = new Set(dev.connectors.keys());
		assert.ok(
			[...production.connectors.keys()].every((id) => !devIds.has(id)),
			'a production connector has a dev id',
		);
		assert.deepEqual(
			(exported.document as IDataObject).apiConnectors,
			[...production.connectors.values()]
				.map(({ displayName, targetUrl, authentication }) => ({
					displayName,
					targetUrl,
					authentication: {
						type: authentication.type,
						username: authentication.type === 'basic' ? authentication.username : undefined,
					},
				}))
				.sort((a, b) => (a.displayName < b.displayName ? -1 : 1)),
		);
		for (const connector of production.connectors.values()) {
			assert.ok(
				connector.authentication.type === 'basic' &&
					connector.authentication.password === EXAMPLE_CONNECTOR_PASSWORD,
				`${connector.displayName} did not get its password from Connector Secrets`,
			);
		}
	},
};
