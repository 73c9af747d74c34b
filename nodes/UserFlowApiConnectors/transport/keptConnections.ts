import type { Duplex } from 'node:stream';
import { Agent, request as httpsRequest } from 'node:https';

import type { IHttpRequestOptions, NodeEgressFilter, RequestHelperFunctions } from 'n8n-workflow';

import { IDEMPOTENT_METHODS } from './retries';
import type { RawResponse } from './types';

/*
 * n8n's request helper builds a new HTTPS agent for every request, so every Graph request would pay for a new
 * TCP connection and TLS handshake. The node's requests go over TLS connections kept open instead, with n8n's
 * egress filter (its SSRF policy) checking every address they connect to, as n8n's own agents do. Where n8n
 * would route through a proxy, or is too old to hand out its egress filter, n8n's helper carries the request.
 */

/** How long an idle connection waits for the next request; Node takes a shorter Keep-Alive hint of the server. */
const IDLE_CONNECTION_MS = 30_000;

const USER_AGENT = 'n8n-nodes-entra-user-flows';

// The variables n8n's helper routes by (proxy-from-env): these connections do not speak to proxies.
const PROXY_VARIABLES = ['HTTPS_PROXY', 'HTTP_PROXY', 'ALL_PROXY'].flatMap((name) => [
	name,
	name.toLowerCase(),
]);

/** Whether NO_PROXY (or no_proxy) names the host of a URL, as proxy-from-env reads it: then it goes direct. */
export function bypassesProxy(url: string): boolean {
	const noProxy = (process.env.NO_PROXY ?? process.env.no_proxy ?? '').toLowerCase();
	if (!noProxy || !URL.canParse(url)) return false;
	const { hostname, port, protocol } = new URL(url);
	const host = hostname.replace(/^\[|\]$/g, '');
	const hostPort = port || (protocol === 'https:' ? '443' : '80');
	return noProxy.split(/[\s,]+/).some((entry) => {
		if (!entry) return false;
		if (entry === '*') return true;
		const [, name = entry, entryPort] = /^(.+?)(?::(\d+))?$/.exec(entry) ?? [];
		if (entryPort && entryPort !== hostPort) return false;
		const bare = name.replace(/^\*?\./, '').replace(/^\[|\]$/g, '');
		return host === bare || host.endsWith(`.${bare}`);
	});
}

/** One agent per egress filter, which n8n keeps for the life of the process. */
const agents = new WeakMap<NodeEgressFilter, Agent>();

function agentFor(filter: NodeEgressFilter): Agent {
	let agent = agents.get(filter);
	if (agent) return agent;
	agent = new Agent({
		keepAlive: true,
		timeout: IDLE_CONNECTION_MS,
		scheduling: 'lifo',
		lookup: filter.createSecureLookup(),
	});
	// No DNS lookup sees an IP address: n8n's agents check the host itself before connecting, and so does this one.
	const createConnection = agent.createConnection.bind(agent);
	agent.createConnection = (
		options: { host?: string | null },
		onCreate?: (error: Error | null, socket: Duplex) => void,
	) => {
		const check = filter.validateConnectionHost(options.host ?? '');
		if (check.ok) return createConnection(options, onCreate);
		if (!onCreate) throw check.error;
		onCreate(check.error, undefined as unknown as Duplex);
		return undefined as unknown as Duplex;
	};
	agents.set(filter, agent);
	return agent;
}

/**
 * The agent keeping Graph connections open, or undefined where n8n's helper must send the request: under a
 * proxy, unless NO_PROXY names the Graph host.
 */
export function keptConnectionAgent(
	helpers: Partial<RequestHelperFunctions>,
	graphOrigin: string,
): Agent | undefined {
	if (PROXY_VARIABLES.some((name) => process.env[name]) && !bypassesProxy(graphOrigin)) {
		return undefined;
	}
	if (typeof helpers.getSecureEgressFilter !== 'function') return undefined;
	return agentFor(helpers.getSecureEgressFilter());
}

/**
 * The largest answer taken in. Graph's answers here are a page of 100 objects or a batch of 20 at most, well
 * under a megabyte; a larger body is no Graph answer, and one of hundreds of megabytes would not even fit in a
 * string.
 */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

function answerTooLarge(): Error {
	return Object.assign(
		new Error(
			`The answer was larger than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB, which no Graph answer here is: not read further`,
		),
		{ code: 'EANSWERTOOLARGE' },
	);
}

/** Like n8n's helper with `json: true`: a JSON body parsed, anything else as text ('' when empty). */
function parseBody(text: string): unknown {
	if (text === '') return '';
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return text;
	}
}

function sendOnce(
	agent: Agent,
	options: IHttpRequestOptions,
	body: string | undefined,
	mayResend: boolean,
): Promise<RawResponse> {
	return new Promise((resolve, reject) => {
		const request = httpsRequest(
			options.url,
			{
				method: options.method,
				agent,
				// The user's Stop abandons the request, as n8n's helper does with the same signal.
				signal: options.abortSignal as AbortSignal | undefined,
				headers: {
					'User-Agent': USER_AGENT,
					...options.headers,
					...(body === undefined ? {} : { 'Content-Length': Buffer.byteLength(body) }),
				},
			},
			(response) => {
				const chunks: Buffer[] = [];
				let size = 0;
				response.on('data', (chunk: Buffer) => {
					size += chunk.length;
					if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
					else request.destroy(answerTooLarge());
				});
				response.on('error', reject);
				response.on('end', () =>
					resolve({
						statusCode: response.statusCode ?? 0,
						headers: response.headers,
						body: parseBody(Buffer.concat(chunks).toString('utf8')),
					}),
				);
			},
		);
		// Request Timeout is bounded for the whole attempt by the sender (sender.ts), on either path.
		request.on('error', (error: Error & { code?: string }) => {
			if (mayResend && request.reusedSocket && error.code === 'ECONNRESET') {
				resolve(sendOnce(agent, options, body, false));
			} else {
				reject(error);
			}
		});
		request.end(body);
	});
}

/**
 * Sends an authorized request over a kept connection. Servers close idle connections, and a request may meet
 * the close on its way out: one that may go again is sent at once on a new connection, without the client's
 * back-off.
 */
export async function sendOverKeptConnection(
	agent: Agent,
	options: IHttpRequestOptions,
): Promise<RawResponse> {
	const body =
		options.body === undefined || typeof options.body === 'string'
			? options.body
			: JSON.stringify(options.body);
	const mayResend = IDEMPOTENT_METHODS.has(options.method ?? 'GET');
	return await sendOnce(agent, options, body as string | undefined, mayResend);
}
