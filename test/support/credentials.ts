import { readFileSync } from 'node:fs';

import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { repositoryFile } from '../../emulator/http';
import { SEEDED_CLIENT_SECRET, SEEDED_CONNECTORS } from '../../emulator/state';
import { registerSecret } from './secrets';

/** The emulator fields the credential needs (kept structural so tests can use any emulator instance). */
export interface EmulatorEndpoints {
	authorityHost: string;
	graphBaseUrl: string;
	defaults: {
		tenantId: string;
		clientId: string;
		clientSecret: string;
		certClientId: string;
		b2cTenantId: string;
		b2cClientId: string;
		productionTenantId: string;
		productionClientId: string;
	};
}

const fixture = (name: string) => readFileSync(repositoryFile(`emulator/certs/${name}`), 'utf8');
export const APP_CERTIFICATE = fixture('app-cert.pem');
export const APP_KEY = fixture('app-key.pem');
export const APP_KEY_ENCRYPTED = fixture('app-key.encrypted.pem');
export const APP_KEY_PASSPHRASE = 'test-only-passphrase';

for (const secret of [
	APP_KEY,
	APP_KEY_ENCRYPTED,
	APP_KEY_PASSPHRASE,
	SEEDED_CLIENT_SECRET,
	...SEEDED_CONNECTORS.map((c) => c.password),
]) {
	registerSecret(secret);
}

/** A Microsoft Entra credential as a user would fill it in, pointing at the emulator. */
export function secretCredential(
	emulator: EmulatorEndpoints,
	overrides: ICredentialDataDecryptedObject = {},
): ICredentialDataDecryptedObject {
	for (const field of ['clientSecret', 'privateKey', 'privateKeyPassphrase'])
		registerSecret(overrides[field]);
	return {
		tenantId: emulator.defaults.tenantId,
		clientId: emulator.defaults.clientId,
		authenticationMethod: 'clientSecret',
		clientSecret: emulator.defaults.clientSecret,
		cloud: 'global',
		graphVersion: 'v1.0',
		useCustomEndpoints: true,
		authorityHost: emulator.authorityHost,
		graphBaseUrl: emulator.graphBaseUrl,
		authorityTimeoutSeconds: 30,
		...overrides,
	};
}

export function certificateCredential(
	emulator: EmulatorEndpoints,
	overrides: ICredentialDataDecryptedObject = {},
): ICredentialDataDecryptedObject {
	return secretCredential(emulator, {
		clientId: emulator.defaults.certClientId,
		authenticationMethod: 'clientCertificate',
		clientSecret: '',
		publicCertificate: APP_CERTIFICATE,
		privateKey: APP_KEY,
		...overrides,
	});
}

export function b2cCredential(
	emulator: EmulatorEndpoints,
	overrides: ICredentialDataDecryptedObject = {},
) {
	return secretCredential(emulator, {
		tenantId: emulator.defaults.b2cTenantId,
		clientId: emulator.defaults.b2cClientId,
		graphVersion: 'beta',
		...overrides,
	});
}

/** A credential on the second, empty External ID tenant: the production tenant of the examples. */
export function productionCredential(
	emulator: EmulatorEndpoints,
	overrides: ICredentialDataDecryptedObject = {},
) {
	return secretCredential(emulator, {
		tenantId: emulator.defaults.productionTenantId,
		clientId: emulator.defaults.productionClientId,
		...overrides,
	});
}
