// The one emulator fixture of the specs: a suite calls useEmulator() at its top and gets a local Graph + Entra
// emulator started before its first test, reset before each test and closed (with every connection it
// holds) after its last, and the helpers that run the node against it.
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { startEmulator, type Emulator, type EmulatorOptions, type Tenant } from '../../emulator';
import { b2cCredential, productionCredential, secretCredential } from './credentials';
import { runNode, type NodeRunOptions, type NodeRunResult } from './runWorkflow';

export interface UseEmulatorOptions extends EmulatorOptions {
	/**
	 * Before each test the directory is seeded afresh and requests, faults, throttle and latency are cleared
	 * (the default); false keeps one directory for the whole suite.
	 */
	reset?: boolean;
	/** Adds to the seeded directory: after each reset, or once after the start when reset is false. */
	seed?: (emulator: Emulator) => void;
}

/** Everything a run takes but the parameters; the credential defaults to the emulator's client secret. */
export type RunOptions = Omit<NodeRunOptions, 'parameters' | 'credentials'> & {
	credentials?: ICredentialDataDecryptedObject;
};

export interface EmulatorFixture {
	/** The suite's emulator; usable inside tests and hooks (it starts in beforeAll). */
	emulator: Emulator;
	/** The seeded External ID tenant. */
	tenant(): Tenant;
	/** A client-secret credential on the External ID tenant, as a user would fill it in. */
	credentials(overrides?: ICredentialDataDecryptedObject): ICredentialDataDecryptedObject;
	/** A credential on the Azure AD B2C tenant (Graph beta). */
	b2cCredentials(overrides?: ICredentialDataDecryptedObject): ICredentialDataDecryptedObject;
	/** The second, empty External ID tenant (a production tenant to promote a configuration to). */
	productionTenant(): Tenant;
	/** A credential on that tenant. */
	productionCredentials(overrides?: ICredentialDataDecryptedObject): ICredentialDataDecryptedObject;
	/** Runs the node once through n8n's engine, with credentials() unless others are given. */
	run(parameters: object, options?: RunOptions): Promise<NodeRunResult>;
	/** What Graph received (the token endpoint's traffic left out), as method, path, query and body. */
	graphCalls(): Array<Pick<Emulator['requests'][number], 'method' | 'path' | 'query' | 'body'>>;
}

/** Registers the suite's beforeAll, beforeEach and afterAll hooks for an emulator of its own. */
export function useEmulator(options: UseEmulatorOptions = {}): EmulatorFixture {
	const { reset = true, seed, ...emulatorOptions } = options;
	let started: Emulator | undefined;
	beforeAll(async () => {
		started = await startEmulator(emulatorOptions);
		if (!reset) seed?.(started);
	});
	if (reset)
		beforeEach(() => {
			started!.reset();
			seed?.(started!);
		});
	afterAll(async () => await started?.close());

	const emulator = new Proxy({} as Emulator, {
		get(_target, key) {
			if (!started)
				throw new Error('useEmulator: the emulator starts in beforeAll; use it in a test or hook');
			const value: unknown = Reflect.get(started, key, started);
			return typeof value === 'function' ? value.bind(started) : value;
		},
	});
	const credentials = (overrides?: ICredentialDataDecryptedObject) =>
		secretCredential(emulator, overrides);
	return {
		emulator,
		tenant: () => emulator.state.requireTenant(emulator.defaults.tenantId),
		credentials,
		b2cCredentials: (overrides) => b2cCredential(emulator, overrides),
		productionTenant: () => emulator.state.requireTenant(emulator.defaults.productionTenantId),
		productionCredentials: (overrides) => productionCredential(emulator, overrides),
		run: async (parameters, runOptions = {}) =>
			await runNode({
				...runOptions,
				parameters: parameters as NodeRunOptions['parameters'],
				credentials: runOptions.credentials ?? credentials(),
			}),
		graphCalls: () =>
			emulator
				.graphRequests()
				.map(({ method, path, query, body }) => ({ method, path, query, body })),
	};
}

/** A second emulator for one test (its own page size, token lifetime, latency), closed when `use` ends. */
export async function withEmulator<T>(
	options: EmulatorOptions,
	use: (emulator: Emulator) => Promise<T>,
): Promise<T> {
	const emulator = await startEmulator(options);
	try {
		return await use(emulator);
	} finally {
		await emulator.close();
	}
}
