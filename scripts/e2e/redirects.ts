// `npm run test:e2e` against a Graph URL that redirects to a thief on another origin (https on another port, or
// plain http), in the real n8n: the credential's Test button through the REST API of a started n8n, and
// `n8n execute` of User Flow > Get under an HTTPS_PROXY CONNECT proxy with DEBUG=* and n8n's debug log.
// The thieves must receive nothing; the result must be an error naming the redirect; no output line may
// hold the token.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import {
	createServer as createHttpServer,
	type IncomingMessage,
	type Server,
	type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';

import type { Emulator } from '../../emulator';
import { EMULATOR_FILES } from '../../emulator/state';
import { secretCredential } from '../../test/support/credentials';
import type { PreparedN8n } from '../prepareN8n';
import { n8nBin } from '../realN8n';
import { linearWorkflow, manualTriggerNode, userFlowNode } from '../workflowNodes';
import { check } from './check';

const REDIRECT_CREDENTIAL = { id: 'entraRedirect01', name: 'Microsoft Entra (redirecting Graph)' };
const WORKFLOW_ID = 'E2eRedirect01';
const TOKEN = /eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}|Bearer\s+(?!\[redacted\])[\w.-]{8,}/;

interface Listening {
	url: string;
	server: Server;
	sockets: Set<Socket>;
}

async function listen(server: Server, scheme: 'http' | 'https'): Promise<Listening> {
	const sockets = new Set<Socket>();
	server.on('connection', (socket: Socket) => sockets.add(socket));
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`,
		server,
		sockets,
	};
}

async function close({ server, sockets }: Listening): Promise<void> {
	for (const socket of sockets) socket.destroy();
	await new Promise((resolve) => server.close(resolve));
}

/** A redirecting "Graph", two thieves recording what they receive, and a CONNECT proxy. */
export interface RedirectTrap {
	graphUrl: string;
	thieves: Record<'https' | 'http', string>;
	proxyUrl: string;
	/** What Graph answers from now on: `status` with Location on the thief, same path. */
	redirect(status: number, thief: 'https' | 'http'): void;
	/** Requests the thieves received, and how many of them carried Authorization. */
	stolen(): { requests: number; withAuthorization: number };
	reset(): void;
	close(): Promise<void>;
}

export async function startRedirectTrap(): Promise<RedirectTrap> {
	const tls = {
		key: readFileSync(EMULATOR_FILES.serverKey),
		cert: readFileSync(EMULATOR_FILES.serverCertificate),
	};
	let answer = { status: 302, thief: 'https' as 'https' | 'http' };
	const received: IncomingMessage[] = [];
	const thief = (request: IncomingMessage, response: ServerResponse) => {
		received.push(request);
		response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"id":"stolen"}');
	};
	const thieves = {
		https: await listen(createHttpsServer(tls, thief), 'https'),
		http: await listen(createHttpServer(thief), 'http'),
	};
	const graph = await listen(
		createHttpsServer(tls, (request, response) => {
			response
				.writeHead(answer.status, { Location: `${thieves[answer.thief].url}${request.url ?? '/'}` })
				.end();
		}),
		'https',
	);
	const proxyServer = createHttpServer((_request, response) => response.writeHead(405).end());
	proxyServer.on('connect', (request: IncomingMessage, client: Socket) => {
		const [host, port] = (request.url ?? '').split(':');
		const upstream = connect(Number(port), host, () => {
			client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
			upstream.pipe(client).pipe(upstream);
		});
		upstream.on('error', () => client.destroy());
		client.on('error', () => upstream.destroy());
	});
	const proxy = await listen(proxyServer, 'http');
	return {
		graphUrl: graph.url,
		thieves: { https: thieves.https.url, http: thieves.http.url },
		proxyUrl: proxy.url,
		redirect: (status, to) => (answer = { status, thief: to }),
		stolen: () => ({
			requests: received.length,
			withAuthorization: received.filter((request) => request.headers.authorization).length,
		}),
		reset: () => (received.length = 0),
		close: async () => {
			for (const listening of [graph, thieves.https, thieves.http, proxy]) await close(listening);
		},
	};
}

/** The credential of the emulator with the trap as its Graph Base URL. */
export function redirectCredential(emulator: Emulator, trap: RedirectTrap) {
	return {
		...REDIRECT_CREDENTIAL,
		type: 'microsoftEntraUserFlowsApi',
		data: secretCredential(emulator, { graphBaseUrl: trap.graphUrl }),
	};
}

/** Every line n8n prints, whatever its exit status. */
async function execute(
	env: NodeJS.ProcessEnv,
	args: string[],
): Promise<{ status: number | null; output: string }> {
	const child = spawn(n8nBin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
	let output = '';
	child.stdout.on('data', (chunk: Buffer) => (output += chunk));
	child.stderr.on('data', (chunk: Buffer) => (output += chunk));
	const status = await new Promise<number | null>((done) => child.on('close', done));
	return { status, output };
}

/**
 * `n8n execute` of User Flow > Get under HTTPS_PROXY (n8n's request helper carries the node's requests), with
 * DEBUG=* and N8N_LOG_LEVEL=debug: the item fails naming the redirect, the thief gets nothing, no line holds a
 * token.
 */
export async function checkRedirectUnderProxy(
	emulator: Emulator,
	prepared: PreparedN8n,
	trap: RedirectTrap,
	work: string,
): Promise<void> {
	const credentials = join(work, 'redirect-credential.json');
	writeFileSync(credentials, JSON.stringify([redirectCredential(emulator, trap)]));
	await prepared.cli(['import:credentials', `--input=${credentials}`]);
	const workflow = join(work, 'redirect-workflow.json');
	const node = userFlowNode(
		'Get User Flow',
		{
			resource: 'userFlow',
			operation: 'get',
			flowKind: 'b2x',
			userFlow: { __rl: true, mode: 'id', value: 'Partner' },
		},
		{ credentials: { microsoftEntraUserFlowsApi: REDIRECT_CREDENTIAL } },
	);
	writeFileSync(
		workflow,
		JSON.stringify(linearWorkflow(WORKFLOW_ID, 'Redirecting Graph', [manualTriggerNode(), node])),
	);
	await prepared.cli(['import:workflow', `--input=${workflow}`]);
	for (const [status, thief] of [
		[302, 'https'],
		[308, 'http'],
	] as const) {
		trap.reset();
		trap.redirect(status, thief);
		const { output } = await execute(
			{
				...prepared.env,
				HTTPS_PROXY: trap.proxyUrl,
				DEBUG: '*',
				N8N_LOG_LEVEL: 'debug',
			},
			['execute', `--id=${WORKFLOW_ID}`, '--rawOutput'],
		);
		const stolen = trap.stolen();
		const named = output.includes(
			`Microsoft Graph answered ${status}, a redirect to ${trap.thieves[thief]}`,
		);
		const leaked = TOKEN.exec(output)?.[0];
		check(
			`n8n execute under HTTPS_PROXY, Graph answering ${status} to ${thief}://: not followed, the item fails naming it, no token in DEBUG=* output`,
			stolen.requests === 0 && named && !leaked,
			`${stolen.requests} request(s) to the thief, ${stolen.withAuthorization} with Authorization; ${named ? 'error names the redirect' : `no redirect error in: ${output.slice(-800)}`}${leaked ? `; token printed: ${leaked.slice(0, 16)}…` : ''}`,
		);
	}
}

/** The Test button through the REST API of a started n8n: an error naming the redirect, nothing stolen. */
export async function checkRedirectTestButton(
	rest: (path: string, body?: unknown) => Promise<Response>,
	emulator: Emulator,
	trap: RedirectTrap,
): Promise<void> {
	for (const [status, thief] of [
		[301, 'https'],
		[307, 'http'],
	] as const) {
		trap.reset();
		trap.redirect(status, thief);
		const result = (await (
			await rest('/rest/credentials/test', { credentials: redirectCredential(emulator, trap) })
		).json()) as { data?: { status: string; message: string } };
		const stolen = trap.stolen();
		const message = result.data?.message ?? JSON.stringify(result);
		check(
			`credential Test button, Graph answering ${status} to ${thief}://: not followed, an error naming it`,
			stolen.requests === 0 &&
				result.data?.status === 'Error' &&
				message.includes(
					`Microsoft Graph answered ${status}, a redirect to ${trap.thieves[thief]}`,
				),
			`${stolen.requests} request(s) to the thief, ${stolen.withAuthorization} with Authorization; ${message.slice(0, 300)}`,
		);
	}
}
