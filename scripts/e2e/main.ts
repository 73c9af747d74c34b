// `npm run test:e2e`: the packed package installed into a real n8n 2.41.1 (on Node 24, both from the npm
// registry, cached in .cache/), every example workflow run by the n8n CLI against the local emulator (and once
// under n8n's SSRF protection, and once under HTTPS_PROXY against a redirecting Graph), the credential's Test button
// exercised through the REST API of a started n8n (also against a redirecting Graph), an execution stopped
// there by its timeout, and the configuration drift check on a schedule, approved through its resume URL; then
// n8n's queue mode, one main and two workers on PostgreSQL and Redis, two executions at once under Graph's budget
// (queueMode.ts; alone: `npm run test:queue`).
// Prints a summary line.
import { startEmulator } from '../../emulator';
import { prepareN8n } from '../prepareN8n';
import { queueModeBinaries } from '../queueN8n';
import { repository, run } from '../realN8n';
import { check, runChecks } from './check';
import { checkEgressFilter, runExamples } from './commandLine';
import { inspectPackage, scan } from './package';
import { checkRedirectUnderProxy, startRedirectTrap } from './redirects';
import { checkConfigurationDrift, logIn } from './configurationDrift';
import { checkQueueMode } from './queueMode';
import { checkRunningN8n, E2E_OWNER } from './runningN8n';

runChecks('end to end', 'n8n-entra-e2e-', async (work) => {
	// Before minutes of other checks: without Redis and PostgreSQL, say at once which packages to install.
	queueModeBinaries();
	const emulator = await startEmulator();
	const trap = await startRedirectTrap();
	try {
		const lint = await run('npm', ['run', 'lint'], { cwd: repository }).then(
			() => '',
			(error: Error) => error.message.slice(-2000),
		);
		check("n8n's community-node lint (npm run lint)", lint === '', lint);
		const prepared = await prepareN8n({ work, emulator });
		await inspectPackage(prepared.tarball);
		await scan(prepared.tarball, work);
		await runExamples(emulator, prepared);
		await checkEgressFilter(emulator, prepared);
		await checkRedirectUnderProxy(emulator, prepared, trap, work);
		await checkRunningN8n(emulator, prepared, work, trap);
		await checkConfigurationDrift(emulator, prepared, work, (n8n) => logIn(n8n, E2E_OWNER));
		await checkQueueMode(emulator, work);
	} finally {
		await trap.close();
		await emulator.close();
	}
});
