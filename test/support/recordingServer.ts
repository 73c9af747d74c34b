// A small HTTPS (or plain HTTP) server on 127.0.0.1 with the emulator's test certificate, for specs that need a
// Graph (or a thief) answering what the emulator never would: it records every request and answers with the
// handler of the moment.
import { readFileSync } from 'node:fs';
import {
	createServer as createHttpServer,
	type IncomingMessage,
	type Server,
	type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

import { EMULATOR_FILES } from '../../emulator/state';

const tls = {
	key: readFileSync(EMULATOR_FILES.serverKey),
	cert: readFileSync(EMULATOR_FILES.serverCertificate),
};

export interface Seen {
	method: string;
	url: string;
	headers: IncomingMessage['headers'];
	body: string;
}

export type Handler = (seen: Seen) => {
	status: number;
	headers?: Record<string, string>;
	body?: string;
	/** Writes the answer itself instead (slowly, say); status, headers and body are then not used. */
	respond?: (response: ServerResponse) => void;
};

/** A server on 127.0.0.1 that records every request and answers with the handler of the moment. */
export function recordingServer(kind: 'https' | 'http') {
	const state = { url: '', seen: [] as Seen[], handler: (() => ({ status: 200 })) as Handler };
	let server: Server;
	beforeAll(async () => {
		const listener = (request: IncomingMessage, response: ServerResponse) => {
			const chunks: Buffer[] = [];
			request.on('data', (chunk: Buffer) => chunks.push(chunk));
			request.on('end', () => {
				const seen = {
					method: request.method ?? '',
					url: request.url ?? '',
					headers: request.headers,
					body: Buffer.concat(chunks).toString('utf8'),
				};
				state.seen.push(seen);
				const answer = state.handler(seen);
				if (answer.respond) answer.respond(response);
				else response.writeHead(answer.status, answer.headers).end(answer.body);
			});
		};
		server = kind === 'https' ? createHttpsServer(tls, listener) : createHttpServer(listener);
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		state.url = `${kind}://127.0.0.1:${(server.address() as AddressInfo).port}`;
	});
	beforeEach(() => {
		state.seen.length = 0;
		state.handler = () => ({ status: 200, body: '{"value":[]}' });
	});
	afterAll(async () => {
		server.closeAllConnections();
		await new Promise((resolve) => server.close(resolve));
	});
	return state;
}
