// A Graph on 127.0.0.1 (HTTPS, the emulator's test certificate) whose answers a spec chooses: to a POST
// /$batch, and to direct requests. The credential keeps the emulator as its authority host (the token is
// real) and points its Graph Base URL here.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';

import { EMULATOR_FILES } from '../../emulator/state';

export interface SeenRequest {
	method: string;
	/** Path and query as sent, e.g. /v1.0/$batch. */
	url: string;
	body: unknown;
}

export interface BatchStep {
	id: string;
	method: string;
	url: string;
	body?: unknown;
}

export interface HostileAnswer {
	status: number;
	headers?: Record<string, string>;
	/** A string goes as it is; anything else as JSON. */
	body?: unknown;
}

/** What Graph would answer: every step 204 (a PUT $ref), every direct request 204 too. */
export const honestBatch = (steps: BatchStep[]): HostileAnswer => ({
	status: 200,
	body: { responses: steps.map(({ id }) => ({ id, status: 204, body: null })) },
});

export interface HostileGraph {
	/** https://127.0.0.1:port, for the credential's Graph Base URL. */
	url: string;
	seen: SeenRequest[];
	/** The answer to POST /$batch; reset to honestBatch before each test. */
	batch: (steps: BatchStep[]) => HostileAnswer;
	/** The answer to any other request; reset to 204 before each test. */
	direct: (request: SeenRequest) => HostileAnswer;
}

/** Registers the suite's hooks for a hostile Graph of its own. */
export function useHostileGraph(): HostileGraph {
	const state: HostileGraph = {
		url: '',
		seen: [],
		batch: honestBatch,
		direct: () => ({ status: 204 }),
	};
	let server: Server;
	beforeAll(async () => {
		server = createServer(
			{
				key: readFileSync(EMULATOR_FILES.serverKey),
				cert: readFileSync(EMULATOR_FILES.serverCertificate),
			},
			(request, response) => {
				const chunks: Buffer[] = [];
				request.on('data', (chunk: Buffer) => chunks.push(chunk));
				request.on('end', () => {
					const text = Buffer.concat(chunks).toString('utf8');
					const seen = {
						method: request.method ?? '',
						url: request.url ?? '',
						body: text ? (JSON.parse(text) as unknown) : undefined,
					};
					state.seen.push(seen);
					const answer =
						seen.method === 'POST' && seen.url.endsWith('/$batch')
							? state.batch((seen.body as { requests: BatchStep[] }).requests)
							: state.direct(seen);
					const json = answer.body !== undefined && typeof answer.body !== 'string';
					response
						.writeHead(answer.status, {
							...(json ? { 'Content-Type': 'application/json' } : {}),
							...answer.headers,
						})
						.end(json ? JSON.stringify(answer.body) : (answer.body as string | undefined));
				});
			},
		);
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		state.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
	});
	beforeEach(() => {
		state.seen.length = 0;
		state.batch = honestBatch;
		state.direct = () => ({ status: 204 });
	});
	afterAll(async () => {
		server.closeAllConnections();
		await new Promise((resolve) => server.close(resolve));
	});
	return state;
}
