import { startEmulator, type Emulator } from '../../emulator';

/** Get User Flow of the flow that useEmulatorWithPartnerFlow seeds. */
export const GET_PARTNER_FLOW = {
	resource: 'userFlow',
	operation: 'get',
	flowKind: 'b2x',
	userFlow: { __rl: true, mode: 'id', value: 'Partner' },
};

/**
 * A suite's own emulator, handed to `use` once started; before every test its directory is reset and its
 * External ID tenant has the flow B2X_1_Partner.
 */
export function useEmulatorWithPartnerFlow(use: (emulator: Emulator) => void): void {
	let emulator: Emulator;
	beforeAll(async () => {
		emulator = await startEmulator();
		use(emulator);
	});
	afterAll(async () => await emulator.close());
	beforeEach(() => {
		emulator.reset();
		emulator.state
			.requireTenant(emulator.defaults.tenantId)
			.addUserFlow({ id: 'B2X_1_Partner', kind: 'b2x' });
	});
}
