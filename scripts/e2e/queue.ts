// `npm run test:queue`: the queue-mode part of `npm run test:e2e` alone (queueMode.ts), to measure it again.
// Prints a summary line.
import { startEmulator } from '../../emulator';
import { runChecks } from './check';
import { checkQueueMode } from './queueMode';

runChecks('queue mode', 'n8n-entra-queue-', async (work) => {
	const emulator = await startEmulator();
	try {
		await checkQueueMode(emulator, work);
	} finally {
		await emulator.close();
	}
});
