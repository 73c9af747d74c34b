import type { Emulator } from '../../emulator';

/** Get User Flow of the flow that addPartnerFlow seeds. */
export const GET_PARTNER_FLOW = {
	resource: 'userFlow',
	operation: 'get',
	flowKind: 'b2x',
	userFlow: { __rl: true, mode: 'id', value: 'Partner' },
};

/** Adds the flow B2X_1_Partner to the External ID tenant: `useEmulator({ seed: addPartnerFlow })`. */
export function addPartnerFlow(emulator: Emulator): void {
	emulator.state
		.requireTenant(emulator.defaults.tenantId)
		.addUserFlow({ id: 'B2X_1_Partner', kind: 'b2x' });
}
