// `npm run dev`: a real n8n on http://127.0.0.1:5678 with this package installed, the local Graph + Entra
// emulator on https://127.0.0.1:8443, a ready credential and the example workflows. Stops with Ctrl+C.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { startEmulator } from '../emulator';
import { prepareN8n } from './prepareN8n';
import { DEV_LOGIN, repository, setUpOwner, startN8n } from './realN8n';

const N8N_PORT = Number(process.env.N8N_DEV_PORT ?? 5678);
const EMULATOR_PORT = Number(process.env.EMULATOR_PORT ?? 8443);

async function main() {
	// A fresh user folder each time: the package as just built, the owner and credential as documented.
	const work = join(repository, '.cache', 'dev');
	rmSync(work, { recursive: true, force: true });
	mkdirSync(work, { recursive: true });
	const emulator = await startEmulator({ port: EMULATOR_PORT });
	const { env, cli } = await prepareN8n({ work, emulator });
	const examples = join(repository, 'examples');
	for (const file of readdirSync(examples).filter((name) => name.endsWith('.json')))
		await cli(['import:workflow', `--input=${join(examples, file)}`]);
	const n8n = await startN8n(env, N8N_PORT);
	await setUpOwner(n8n.baseUrl, DEV_LOGIN);
	console.log(`
n8n is running with n8n-nodes-entra-user-flows installed:

  Editor:    ${n8n.baseUrl}
  Log in:    ${DEV_LOGIN.email} / ${DEV_LOGIN.password}
  Emulator:  ${emulator.url} (local Microsoft Graph + Entra; tenant ${emulator.defaults.tenantId})

The credential "Microsoft Entra (local emulator)" points at the emulator, and the example workflows are
imported: open one and click "Execute workflow", or add the "User Flow API Connectors" node to a new one.
Press Ctrl+C to stop.`);

	const stop = async () => {
		await n8n.stop();
		await emulator.close();
		process.exit(0);
	};
	process.once('SIGINT', stop);
	process.once('SIGTERM', stop);
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
