// A Graph on 127.0.0.1 (HTTPS, the emulator's test certificate) whose answers a spec chooses: to a POST
// /$batch, and to direct requests. The credential keeps the emulator as its authority host (the token is
// real) and points its Graph Base URL here.
import { recordingServer } from './recordingServer';

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

/** Registers the suite's hooks for a hostile Graph of its own, on the specs' recording server. */
export function useHostileGraph(): HostileGraph {
	const server = recordingServer('https');
	const state: HostileGraph = {
		get url() {
			return server.url;
		},
		seen: [],
		batch: honestBatch,
		direct: () => ({ status: 204 }),
	};
	beforeEach(() => {
		state.seen.length = 0;
		state.batch = honestBatch;
		state.direct = () => ({ status: 204 });
		server.handler = (request) => {
			const seen = {
				method: request.method,
				url: request.url,
				body: request.body ? (JSON.parse(request.body) as unknown) : undefined,
			};
			state.seen.push(seen);
			const answer =
				seen.method === 'POST' && seen.url.endsWith('/$batch')
					? state.batch((seen.body as { requests: BatchStep[] }).requests)
					: state.direct(seen);
			const json = answer.body !== undefined && typeof answer.body !== 'string';
			return {
				status: answer.status,
				headers: { ...(json ? { 'Content-Type': 'application/json' } : {}), ...answer.headers },
				body: json ? JSON.stringify(answer.body) : (answer.body as string | undefined),
			};
		};
	});
	return state;
}
