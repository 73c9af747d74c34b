// n8n's SSRF protection (its egress filter) applies to the node's own Graph connections as it does to n8n's
// request helper. Its own file: n8n reads N8N_SSRF_PROTECTION_ENABLED once, when its HTTP layer is first used.
import { startEmulator, type Emulator } from '../emulator';
import { secretCredential } from './support/credentials';
import { GET_PARTNER_FLOW } from './support/partnerFlow';
import { runNode } from './support/runWorkflow';

process.env.N8N_SSRF_PROTECTION_ENABLED = 'true';

let emulator: Emulator;

beforeAll(async () => {
	emulator = await startEmulator();
	emulator.state
		.requireTenant(emulator.defaults.tenantId)
		.addUserFlow({ id: 'B2X_1_Partner', kind: 'b2x' });
});
afterAll(async () => {
	delete process.env.N8N_SSRF_PROTECTION_ENABLED;
	await emulator.close();
});

it("the emulator's loopback address is refused before any connection: nothing reaches Graph, and the error says why", async () => {
	const { output, error } = await runNode({
		parameters: GET_PARTNER_FLOW as never,
		credentials: secretCredential(emulator),
	});
	expect(output).toEqual([]);
	expect(error?.message).toBe(
		'Could not reach Microsoft Graph (SsrfBlockedIpError) for GET /identity/b2xUserFlows/B2X_1_Partner',
	);
	expect(error?.description).toMatch(
		/blocked because it resolves to a restricted IP address.*N8N_SSRF_ALLOWED_IP_RANGES/,
	);
	expect(emulator.graphRequests()).toEqual([]);
});
