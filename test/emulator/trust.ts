import { existsSync, readFileSync } from 'node:fs';

import { EMULATOR_FILES } from './state';

/**
 * Whether this Node process trusts the emulator's test CA. Node reads NODE_EXTRA_CA_CERTS once at start-up,
 * and some machines already point it at the system bundle, so the file it names must contain our CA.
 */
export function trustsEmulatorCa(): boolean {
	const extra = process.env.NODE_EXTRA_CA_CERTS;
	if (!extra || !existsSync(extra)) return false;
	const ours = readFileSync(EMULATOR_FILES.caCertificate, 'utf8').trim();
	return readFileSync(extra, 'utf8').includes(ours);
}
