import { randomUUID } from 'node:crypto';

import {
	NodeApiError,
	NodeOperationError,
	sleep,
	type ICredentialDataDecryptedObject,
	type ICredentialsDecrypted,
	type IDataObject,
	type IExecuteFunctions,
	type IHttpRequestMethods,
	type IHttpRequestOptions,
	type ILoadOptionsFunctions,
	type JsonObject,
} from 'n8n-workflow';

import {
	EntraSettingsError,
	readSettings,
	resolveEndpoints,
	type EntraAppSettings,
	type EntraEndpoints,
} from '../../../credentials/entra/settings';
import { EntraTokenError, forgetToken } from '../../../credentials/entra/tokenProvider';
import { itemParameter } from '../helpers/parameters';
import { sendAttempt } from './batch';
import { IDEMPOTENT_METHODS } from './connections';
import { CREDENTIAL_TYPE } from './credentialType';

export { MAX_BATCH_STEPS, batchingOn } from './batch';

type GraphContext = IExecuteFunctions | ILoadOptionsFunctions;

export interface GraphConnection {
	settings: EntraAppSettings;
	endpoints: EntraEndpoints;
	/** Handed to n8n's request helper, which would otherwise decrypt the credential again for every request. */
	credentials: ICredentialsDecrypted;
}

export interface GraphRequest {
	method: IHttpRequestMethods;
	/** Path below the version root, built with graphPath`` so that every value is one encoded segment. */
	path: string;
	qs?: Record<string, string | number>;
	body?: IDataObject;
	itemIndex?: number;
}

export interface GraphResponse<T = IDataObject> {
	statusCode: number;
	headers: Record<string, string>;
	body: T;
}

export interface RetryPolicy {
	/** Retries of one request after 429, 503, 504 or a dropped connection. */
	maxRetries: number;
	/** Total time one request may spend waiting between retries. */
	maxTotalWaitMs: number;
	/** First back-off when Graph sends no Retry-After; doubled on each retry. */
	baseDelayMs: number;
	/** Per-request HTTP timeout. */
	requestTimeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
	maxRetries: 4,
	maxTotalWaitMs: 60_000,
	baseDelayMs: 1_000,
	requestTimeoutMs: 60_000,
};

const RETRYABLE_STATUS = new Set([429, 503, 504]);
const RETRYABLE_NETWORK_CODES = new Set([
	'ECONNRESET',
	'ECONNABORTED',
	'ETIMEDOUT',
	'EPIPE',
	'ECONNREFUSED',
]);

/** A path segment from user input must be one segment: no traversal, no control characters. */
export function encodePathSegment(value: string): string {
	if (typeof value !== 'string' || value === '' || value === '.' || value === '..') {
		throw new Error(`"${String(value)}" cannot be used as a Graph path segment`);
	}
	// eslint-disable-next-line no-control-regex
	if (/[\u0000-\u001f\u007f]/.test(value)) {
		throw new Error('A Graph path segment cannot contain control characters');
	}
	return encodeURIComponent(value).replace(/'/g, '%27');
}

/** Tagged template: literal parts are kept, every interpolated value becomes one encoded segment. */
export function graphPath(literals: TemplateStringsArray, ...values: string[]): string {
	return literals.reduce(
		(path, literal, i) => path + literal + (i < values.length ? encodePathSegment(values[i]) : ''),
		'',
	);
}

// Graph's query options start with $ and take commas and quotes unencoded in its own examples.
function encodeQueryValue(value: string | number): string {
	return encodeURIComponent(String(value))
		.replace(/%24/g, '$')
		.replace(/%2C/g, ',')
		.replace(/%27/g, "'");
}

function buildUrl(endpoints: EntraEndpoints, path: string, qs?: GraphRequest['qs']): string {
	const query = Object.entries(qs ?? {})
		.map(([key, value]) => `${key}=${encodeQueryValue(value)}`)
		.join('&');
	return `${endpoints.graphBaseUrl}${path}${query ? `?${query}` : ''}`;
}

/** A relative path goes below the version root; an absolute link (a next page) must already be there. */
function requestUrl(
	context: GraphContext,
	endpoints: EntraEndpoints,
	request: GraphRequest,
): string {
	if (!/^[a-z][a-z0-9+.-]*:/i.test(request.path))
		return buildUrl(endpoints, request.path, request.qs);
	if (!request.path.startsWith(`${endpoints.graphBaseUrl}/`)) {
		throw apiError(
			context,
			{ code: 'UnexpectedLink' },
			{
				message: `Refusing to follow a link outside the configured Graph URL: ${request.path.split('?')[0]}`,
				description: `Only links below ${endpoints.graphBaseUrl}/ are followed, so the token goes nowhere else.`,
				itemIndex: request.itemIndex,
			},
		);
	}
	return request.path;
}

/**
 * Graph throttles per app registration and tenant. One gate per pair in this process: a 429's Retry-After
 * closes it for every request of that app, instead of each request retrying on its own and feeding the throttle.
 */
const throttleGates = new Map<string, { openAt: number }>();

function throttleGate({ settings, endpoints }: GraphConnection): { openAt: number } {
	const key = `${endpoints.graphOrigin}|${settings.tenantId.toLowerCase()}|${settings.clientId.toLowerCase()}`;
	let gate = throttleGates.get(key);
	if (!gate) throttleGates.set(key, (gate = { openAt: 0 }));
	return gate;
}

async function passThrottleGate(
	gate: { openAt: number },
	signal: AbortSignal | undefined,
): Promise<void> {
	for (
		let wait = gate.openAt - Date.now();
		wait > 0 && !signal?.aborted;
		wait = gate.openAt - Date.now()
	)
		await pause(wait, signal);
}

/** n8n's signal that the user stopped the execution; list search has none. */
export function cancelSignal(context: GraphContext): AbortSignal | undefined {
	return 'getExecutionCancelSignal' in context ? context.getExecutionCancelSignal() : undefined;
}

/** Waits, or less when the execution is stopped: the caller looks at the signal afterwards. */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
	await sleep(ms, signal).catch(() => undefined);
}

/** What an item gets when the user stopped the execution before it had finished. */
export function stoppedError(context: GraphContext, itemIndex?: number): NodeOperationError {
	return new NodeOperationError(
		context.getNode(),
		'The execution was stopped before this item had finished',
		{
			itemIndex,
			description:
				'Requests not yet sent were not sent. A request already on its way was abandoned: Graph may have applied it, so read the object before running the item again.',
		},
	);
}

const connections = new WeakMap<object, Promise<GraphConnection>>();

/** The credential is read once per node run: n8n decrypts it on every getCredentials call. */
export async function getGraphConnection(this: GraphContext): Promise<GraphConnection> {
	let connection = connections.get(this);
	if (!connection) {
		connection = (async () => {
			const data = await this.getCredentials<ICredentialDataDecryptedObject>(CREDENTIAL_TYPE);
			const { id, name } = this.getNode().credentials?.[CREDENTIAL_TYPE] ?? {};
			try {
				const settings = readSettings(data);
				return {
					settings,
					endpoints: resolveEndpoints(settings),
					credentials: { id: id ?? '', name: name ?? '', type: CREDENTIAL_TYPE, data },
				};
			} catch (error) {
				throw new NodeOperationError(
					this.getNode(),
					`The Microsoft Entra credential is not valid: ${(error as Error).message}`,
				);
			}
		})();
		connections.set(this, connection);
		connection.catch(() => connections.delete(this));
	}
	return await connection;
}

function headerMap(headers: unknown): Record<string, string> {
	const result: Record<string, string> = {};
	for (const [key, value] of Object.entries((headers ?? {}) as Record<string, unknown>)) {
		if (value !== undefined)
			result[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
	}
	return result;
}

/** Retry-After in seconds (Graph's form) or as an HTTP date. */
function retryAfterMs(headers: Record<string, string>): number | undefined {
	const value = headers['retry-after'];
	if (value === undefined) return undefined;
	const seconds = Number(value);
	if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
	const date = Date.parse(value);
	return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

interface GraphErrorBody {
	error?: { code?: string; message?: string; innerError?: IDataObject };
}

const STATUS_HINTS: Record<number, string> = {
	401: 'Graph did not accept the token. Check the app registration and the national cloud of the credential.',
	403: 'The app registration lacks a permission: grant IdentityUserFlow.ReadWrite.All and APIConnectors.ReadWrite.All (application) with admin consent. In an Azure AD B2C tenant use the Azure AD B2C flow kind; in an External ID tenant the External ID kind.',
	404: 'Check the ID: it must name an existing object in this tenant.',
	429: 'Graph throttled the requests. Lower the number of items per run or try again later.',
};

/**
 * A NodeApiError that keeps the message it is given: n8n's constructor replaces any message that merely
 * contains a Node.js error code, and Graph's "ResourceNotFound" contains "ENOTFOUND" (a DNS hint would follow).
 */
function apiError(
	context: GraphContext,
	response: JsonObject,
	options: { message: string; description: string; httpCode?: string; itemIndex?: number },
): NodeApiError {
	const error = new NodeApiError(context.getNode(), response, options);
	error.message = options.message;
	return error;
}

/** Turns a Graph error response into a NodeApiError carrying Graph's code, message and request ids. */
export function graphApiError(
	context: GraphContext,
	request: GraphRequest,
	response: GraphResponse<unknown>,
	extra?: string,
): NodeApiError {
	const body = (
		typeof response.body === 'object' && response.body !== null ? response.body : {}
	) as GraphErrorBody;
	const code = body.error?.code ?? `HTTP ${response.statusCode}`;
	const graphMessage =
		body.error?.message ??
		(typeof response.body === 'string' && response.body ? response.body : 'no message');
	const inner = body.error?.innerError ?? {};
	const requestId = String(inner['request-id'] ?? response.headers['request-id'] ?? 'none');
	const clientRequestId = String(
		inner['client-request-id'] ?? response.headers['client-request-id'] ?? 'none',
	);
	const details = [
		extra,
		STATUS_HINTS[response.statusCode],
		`${request.method} ${request.path.split('?')[0]} answered ${response.statusCode} ${code}.`,
		`request-id: ${requestId}; client-request-id: ${clientRequestId}; date: ${String(inner.date ?? response.headers.date ?? '')}`,
	].filter(Boolean);
	return apiError(
		context,
		{
			code,
			message: graphMessage,
			requestId,
			clientRequestId,
			httpCode: String(response.statusCode),
		},
		{
			message: `Microsoft Graph error ${code}: ${graphMessage}`,
			description: details.join(' '),
			httpCode: String(response.statusCode),
			itemIndex: request.itemIndex,
		},
	);
}

/** Finds what really went wrong below n8n's wrapping of the HTTP helper's errors. */
function rootCause(error: unknown): Error & { code?: string } {
	let current = error as Error & { code?: string; cause?: unknown };
	while (current?.cause instanceof Error) current = current.cause as typeof current;
	return current;
}

function transportError(
	context: GraphContext,
	request: GraphRequest,
	error: unknown,
	attempts: number,
): Error {
	const cause = rootCause(error);
	if (cause instanceof EntraTokenError) {
		return apiError(
			context,
			{ message: cause.message, code: cause.entraCode ?? 'TokenError' },
			{
				message: cause.message,
				description: cause.description,
				itemIndex: request.itemIndex,
			},
		);
	}
	if (cause instanceof EntraSettingsError) {
		return new NodeOperationError(
			context.getNode(),
			`The Microsoft Entra credential is not valid: ${cause.message}`,
			{
				itemIndex: request.itemIndex,
			},
		);
	}
	// n8n's SSRF refusals carry no code, only their class name.
	const code = cause?.code ?? (cause?.name && cause.name !== 'Error' ? cause.name : 'UNKNOWN');
	const ssrfHint = code.startsWith('Ssrf')
		? " n8n's SSRF protection (N8N_SSRF_PROTECTION_ENABLED) refuses the Graph host: allow it with N8N_SSRF_ALLOWED_HOSTNAMES or N8N_SSRF_ALLOWED_IP_RANGES."
		: '';
	// Only the code and our own message: the HTTP library's error holds the request, with its token.
	return apiError(
		context,
		{ code, message: `${request.method} ${request.path}` },
		{
			message: `Could not reach Microsoft Graph (${code}) for ${request.method} ${request.path.split('?')[0]}`,
			description: `${attempts} attempt(s) made. ${String(cause?.message ?? '').replace(/Bearer\s+\S+/g, 'Bearer [redacted]')}${ssrfHint}`,
			itemIndex: request.itemIndex,
		},
	);
}

export interface GraphRequestOptions {
	/**
	 * Makes a POST safe to send again after its connection dropped: when the repeat gets 409, the first
	 * attempt may have succeeded unseen. This reads the object back and returns it as the answer if it is
	 * what was asked for, or undefined when the conflict is real.
	 */
	recoverConflict?: () => Promise<GraphResponse | undefined>;
}

/** The node's Request Options (Max Retries, Max Retry Wait, Request Timeout), for the item being run. */
function retryPolicy(context: GraphContext, request: GraphRequest): RetryPolicy {
	const policy = DEFAULT_RETRY_POLICY;
	if (request.itemIndex === undefined || !('getInputData' in context)) return policy;
	const options = itemParameter<IDataObject>(context, 'requestOptions', request.itemIndex, {});
	const seconds = (name: string, fallbackMs: number) =>
		typeof options[name] === 'number' && (options[name] as number) >= 0
			? (options[name] as number) * 1000
			: fallbackMs;
	return {
		...policy,
		maxRetries:
			typeof options.maxRetries === 'number' && options.maxRetries >= 0
				? options.maxRetries
				: policy.maxRetries,
		maxTotalWaitMs: seconds('maxRetryWaitSeconds', policy.maxTotalWaitMs),
		requestTimeoutMs:
			seconds('requestTimeoutSeconds', policy.requestTimeoutMs) || policy.requestTimeoutMs,
	};
}

/**
 * The one place that talks to Graph: base URL from cloud and version, the credential's token
 * (fetched afresh once after a 401), retries of 429/503/504 honouring Retry-After within a bounded
 * count and total wait, and Graph errors as NodeApiError. Returns 2xx responses only.
 */
export async function graphRequest(
	this: GraphContext,
	request: GraphRequest,
	options: GraphRequestOptions = {},
): Promise<GraphResponse> {
	const policy = retryPolicy(this, request);
	const connection = await getGraphConnection.call(this);
	const { settings, endpoints } = connection;
	const gate = throttleGate(connection);
	const signal = cancelSignal(this);
	const httpOptions: IHttpRequestOptions = {
		method: request.method,
		url: requestUrl(this, endpoints, request),
		headers: { 'client-request-id': randomUUID(), Accept: 'application/json' },
		json: true,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		timeout: policy.requestTimeoutMs,
		abortSignal: signal,
	};
	if (request.body !== undefined) {
		// n8n's HTTP layer drops an empty object body, but Graph's documented "disable" call sends {}.
		httpOptions.body = Object.keys(request.body).length === 0 ? '{}' : request.body;
		httpOptions.headers = { ...httpOptions.headers, 'Content-Type': 'application/json' };
	}
	const retryNetwork =
		IDEMPOTENT_METHODS.has(request.method) || options.recoverConflict !== undefined;
	let waitedMs = 0;
	let refreshedToken = false;
	// An attempt whose answer never came may still have taken effect.
	let unansweredAttempt = false;
	for (let attempt = 1; ; attempt++) {
		let response: GraphResponse<unknown>;
		await passThrottleGate(gate, signal);
		if (signal?.aborted) throw stoppedError(this, request.itemIndex);
		try {
			const raw = await sendAttempt(this, connection, httpOptions);
			response = { statusCode: raw.statusCode, headers: headerMap(raw.headers), body: raw.body };
		} catch (error) {
			if (signal?.aborted) throw stoppedError(this, request.itemIndex);
			const cause = rootCause(error);
			const delay = policy.baseDelayMs * 2 ** (attempt - 1);
			if (
				retryNetwork &&
				RETRYABLE_NETWORK_CODES.has(cause?.code ?? '') &&
				attempt <= policy.maxRetries &&
				waitedMs + delay <= policy.maxTotalWaitMs
			) {
				waitedMs += delay;
				unansweredAttempt = true;
				await pause(delay, signal);
				continue;
			}
			throw transportError(this, request, error, attempt);
		}
		if (response.statusCode >= 200 && response.statusCode < 300) {
			// 204 and other empty answers come back as '': callers always get an object.
			const body =
				typeof response.body === 'object' && response.body !== null
					? (response.body as IDataObject)
					: {};
			return { ...response, body };
		}
		if (response.statusCode === 401 && !refreshedToken) {
			// The cached token may have been revoked or the app's consent changed: get a fresh one, once.
			refreshedToken = true;
			forgetToken(settings);
			continue;
		}
		if (response.statusCode === 409 && unansweredAttempt && options.recoverConflict) {
			const earlierSuccess = await options.recoverConflict();
			if (earlierSuccess) return earlierSuccess;
		}
		if (!RETRYABLE_STATUS.has(response.statusCode)) throw graphApiError(this, request, response);
		const asked = retryAfterMs(response.headers);
		const delay = asked ?? policy.baseDelayMs * 2 ** (attempt - 1);
		if (attempt > policy.maxRetries) {
			throw graphApiError(this, request, response, `Gave up after ${attempt} attempts.`);
		}
		if (waitedMs + delay > policy.maxTotalWaitMs) {
			throw graphApiError(
				this,
				request,
				response,
				`${asked === undefined ? 'The next back-off (Graph sent no Retry-After) would wait' : 'Graph asked to wait'} ${Math.ceil(delay / 1000)} s, beyond the retry limit of ${policy.maxTotalWaitMs / 1000} s in total (already waited ${Math.round(waitedMs / 1000)} s).`,
			);
		}
		waitedMs += delay;
		if (response.statusCode === 429 && asked !== undefined) {
			// Graph said when the app may send again: hold every request of this app until then.
			gate.openAt = Math.max(gate.openAt, Date.now() + delay);
		} else {
			await pause(delay, signal);
		}
	}
}

export interface ListOptions {
	/** Stop after this many items; undefined returns all. */
	limit?: number;
}

/** Items per page asked of Graph ($top); Graph may send fewer and a next link. */
export const PAGE_SIZE = 100;

/** Follows @odata.nextLink until the end or the limit. */
export async function graphRequestAllItems(
	this: GraphContext,
	request: GraphRequest,
	{ limit }: ListOptions = {},
): Promise<IDataObject[]> {
	const items: IDataObject[] = [];
	let next: GraphRequest | undefined = {
		...request,
		qs: { ...request.qs, $top: Math.min(limit ?? PAGE_SIZE, PAGE_SIZE) },
	};
	while (next) {
		const response: GraphResponse = await graphRequest.call(this, next as GraphRequest);
		items.push(...((response.body.value as IDataObject[] | undefined) ?? []));
		if (limit !== undefined && items.length >= limit) return items.slice(0, limit);
		const nextLink: unknown = response.body['@odata.nextLink'];
		// The link is absolute; graphRequest refuses it unless it stays below the configured Graph root.
		next =
			typeof nextLink === 'string'
				? { method: 'GET', path: nextLink, itemIndex: request.itemIndex }
				: undefined;
	}
	return items;
}
