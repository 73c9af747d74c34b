// `npm run test:queue`: the queue-mode part of `npm run test:e2e` alone (queueMode.ts), to measure it again.
// Prints a summary line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startEmulator } from '../../emulator';
import { anyFailed, summary } from './check';
import { checkQueueMode } from './queueMode';

async function main() {
	const started = Date.now();
	const work = mkdtempSync(join(tmpdir(), 'n8n-entra-queue-'));
	const emulator = await startEmulator();
	try {
		await checkQueueMode(emulator, work);
	} finally {
		await emulator.close();
		rmSync(work, { recursive: true, force: true });
	}
	console.log(`\nqueue mode in ${((Date.now() - started) / 1000).toFixed(0)} s`);
	console.log(summary());
	process.exit(anyFailed() ? 1 : 0);
}

main().catch((error) => {
	console.error(error);
	console.log(summary(1));
	process.exit(1);
});
