import type { Duplex } from 'node:stream';
import { Agent, request as httpsRequest } from 'node:https';

import type {
	IExecuteFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	NodeEgressFilter,
	RequestHelperFunctions,
} from 'n8n-workflow';

import { authorizeGraphRequest } from '../../../credentials/entra/authorize';
import { CREDENTIAL_TYPE } from './credentialType';
import type { GraphConnection } from './index';

/*
 * n8n's request helper builds a new HTTPS agent for every request, so every Graph request paid for a new TCP
 * connection and TLS handshake (about 4 ms of n8n's CPU and a round trip each). The node's requests go over
 * connections kept open instead, with n8n's egress filter (its SSRF policy) checking every address they connect
 * to, as n8n's own agents do. Where n8n would route through a proxy, or is too old to hand out its egress
 * filter, n8n's helper carries the request as before.
 */

export interface RawResponse {
	statusCode: number;
	headers: unknown;
	body: unknown;
}

/** How long an idle connection waits for the next request; Node takes a shorter Keep-Alive hint of the server. */
const IDLE_CONNECTION_MS = 30_000;

const USER_AGENT = 'n8n-nodes-entra-user-flows';

// The variables n8n's helper routes by (proxy-from-env): these connections do not speak to proxies.
const PROXY_VARIABLES = [
	'HTTPS_PROXY',
	'https_proxy',
	'HTTP_PROXY',
	'http_proxy',
	'ALL_PROXY',
	'all_proxy',
];

/**
 * Requests that may be sent again after their connection dropped: these methods (PATCH included: the node's
 * PATCHes set fields to given values). A POST may have taken effect unseen; only operations that can tell (for
 * example Create, by reading back) ask graphRequest to retry it.
 */
export const IDEMPOTENT_METHODS = new Set<IHttpRequestMethods>([
	'GET',
	'PUT',
	'DELETE',
	'HEAD',
	'PATCH',
]);

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

/** The agent keeping Graph connections open, or undefined where n8n's helper must send the request. */
function keptConnections(context: IExecuteFunctions | ILoadOptionsFunctions): Agent | undefined {
	if (PROXY_VARIABLES.some((name) => process.env[name])) return undefined;
	const helpers = context.helpers as Partial<RequestHelperFunctions>;
	if (typeof helpers.getSecureEgressFilter !== 'function') return undefined;
	return agentFor(helpers.getSecureEgressFilter());
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
				response.on('data', (chunk: Buffer) => chunks.push(chunk));
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
		if (options.timeout) {
			request.setTimeout(options.timeout, () =>
				request.destroy(
					Object.assign(new Error(`No answer within ${options.timeout} ms`), { code: 'ETIMEDOUT' }),
				),
			);
		}
		request.on('error', (error: Error & { code?: string }) => {
			if (mayResend && request.reusedSocket && error.code === 'ECONNRESET')
				resolve(sendOnce(agent, options, body, false));
			else reject(error);
		});
		request.end(body);
	});
}

/**
 * Sends one HTTP request to Graph with the credential's token and returns its status, headers and body,
 * whatever the status: graphRequest decides what an answer means.
 */
export async function send(
	context: IExecuteFunctions | ILoadOptionsFunctions,
	connection: GraphConnection,
	options: IHttpRequestOptions,
): Promise<RawResponse> {
	const agent = keptConnections(context);
	if (!agent) {
		return (await context.helpers.httpRequestWithAuthentication.call(
			context,
			CREDENTIAL_TYPE,
			options,
			{
				credentialsDecrypted: connection.credentials,
			},
		)) as RawResponse;
	}
	const authorized = await authorizeGraphRequest(connection.credentials.data ?? {}, options);
	const body =
		options.body === undefined || typeof options.body === 'string'
			? options.body
			: JSON.stringify(options.body);
	// Servers close idle kept connections, and a request may meet the close on its way out: one that may go again
	// is sent at once on a new connection, without graphRequest's back-off.
	return await sendOnce(
		agent,
		authorized,
		body as string | undefined,
		IDEMPOTENT_METHODS.has(authorized.method ?? 'GET'),
	);
}
