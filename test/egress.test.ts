// n8n's SSRF protection (its egress filter) applies to the node's own Graph connections as it does to n8n's
// request helper. Its own file: n8n reads N8N_SSRF_PROTECTION_ENABLED once, when its HTTP layer is first used.
import { addPartnerFlow, GET_PARTNER_FLOW } from './support/partnerFlow';
import { useEmulator } from './support/useEmulator';

process.env.N8N_SSRF_PROTECTION_ENABLED = 'true';
afterAll(() => delete process.env.N8N_SSRF_PROTECTION_ENABLED);

const { emulator, run } = useEmulator({ reset: false, seed: addPartnerFlow });

it("the emulator's loopback address is refused before any connection: nothing reaches Graph, and the error says why", async () => {
	const { output, error } = await run(GET_PARTNER_FLOW);
	expect(output).toEqual([]);
	expect(error?.message).toBe(
		'Could not reach Microsoft Graph (SsrfBlockedIpError) for GET /identity/b2xUserFlows/B2X_1_Partner',
	);
	expect(error?.description).toMatch(
		/blocked because it resolves to a restricted IP address.*N8N_SSRF_ALLOWED_IP_RANGES/,
	);
	expect(emulator.graphRequests()).toEqual([]);
});
