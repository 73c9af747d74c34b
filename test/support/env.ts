import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { trustsEmulatorCa } from '../../emulator/trust';
import { GRAPH_MINUTE_VARIABLE } from '../../nodes/UserFlowApiConnectors/transport';

// The emulator has no budget unless a spec sets one, and then the spec sets the node's minute to match: a
// minute of 1 ms takes the node's pace to Graph's budget off everywhere else.
process.env[GRAPH_MINUTE_VARIABLE] ??= '1';

// n8n-core writes its instance settings under $N8N_USER_FOLDER/.n8n as soon as it is loaded.
process.env.N8N_USER_FOLDER ??= mkdtempSync(join(tmpdir(), 'n8n-entra-test-'));

if (!trustsEmulatorCa()) {
	throw new Error(
		'Run with NODE_EXTRA_CA_CERTS=emulator/certs/ca.pem (npm test does) so Node trusts the local emulator',
	);
}
