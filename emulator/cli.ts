/**
 * Runs the emulator on its own, for demos and manual checks:
 *   npx tsc -p tsconfig.test.json && NODE_EXTRA_CA_CERTS=emulator/certs/ca.pem node build/emulator/cli.js [--port 8443] [--host 127.0.0.1]
 * Prints one JSON line with what a client needs, then serves until SIGINT or SIGTERM.
 */
import { parseArgs } from 'node:util';

import { startEmulator } from './index';

async function main(): Promise<void> {
	const { values } = parseArgs({
		options: {
			port: { type: 'string', default: '0' },
			host: { type: 'string', default: '127.0.0.1' },
		},
	});
	const port = Number(values.port);
	if (!Number.isInteger(port) || port < 0 || port > 65535)
		throw new Error(`--port must be 0..65535, got '${values.port}'`);
	const emulator = await startEmulator({ port, host: values.host });
	const { tenantId, clientId, clientSecret } = emulator.defaults;
	process.stdout.write(
		`${JSON.stringify({ authorityHost: emulator.authorityHost, graphBaseUrl: emulator.graphBaseUrl, tenantId, clientId, clientSecret })}\n`,
	);
	const stop = (): void => {
		emulator.close().then(
			() => process.exit(0),
			() => process.exit(1),
		);
	};
	process.once('SIGINT', stop);
	process.once('SIGTERM', stop);
}

main().catch((error: Error) => {
	process.stderr.write(`emulator: ${error.message}\n`);
	process.exit(1);
});
