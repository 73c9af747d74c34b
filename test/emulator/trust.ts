import { spawnSync } from 'node:child_process';
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

/**
 * Runs a script's main() in a process that trusts the emulator's CA: this one if it does, otherwise the same
 * script started again with NODE_EXTRA_CA_CERTS set, whose exit status becomes this one's.
 */
export function runTrustingEmulator(main: () => Promise<void>): void {
	if (!trustsEmulatorCa()) {
		const child = spawnSync(process.execPath, process.argv.slice(1), {
			stdio: 'inherit',
			env: { ...process.env, NODE_EXTRA_CA_CERTS: EMULATOR_FILES.caCertificate },
		});
		process.exit(child.status ?? 1);
	}
	main().catch((error) => {
		console.error(error);
		process.exit(1);
	});
}
