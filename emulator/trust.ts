import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
 * The CAs this process was told to trust plus the emulator's: machines whose registry or proxy needs the
 * system bundle in NODE_EXTRA_CA_CERTS keep it for the npm commands a script runs.
 */
function caBundleWithEmulator(): string {
	const extra = process.env.NODE_EXTRA_CA_CERTS;
	if (!extra || !existsSync(extra)) return EMULATOR_FILES.caCertificate;
	const bundle = join(mkdtempSync(join(tmpdir(), 'emulator-ca-')), 'ca-bundle.pem');
	writeFileSync(
		bundle,
		`${readFileSync(extra, 'utf8').trim()}\n${readFileSync(EMULATOR_FILES.caCertificate, 'utf8')}`,
	);
	return bundle;
}

/**
 * Runs a script's main() in a process that trusts the emulator's CA: this one if it does, otherwise the same
 * script started again with NODE_EXTRA_CA_CERTS set, whose exit status becomes this one's.
 */
export function runTrustingEmulator(main: () => Promise<void>): void {
	if (!trustsEmulatorCa()) {
		const child = spawnSync(process.execPath, process.argv.slice(1), {
			stdio: 'inherit',
			env: { ...process.env, NODE_EXTRA_CA_CERTS: caBundleWithEmulator() },
		});
		process.exit(child.status ?? 1);
	}
	main().catch((error) => {
		console.error(error);
		process.exit(1);
	});
}
