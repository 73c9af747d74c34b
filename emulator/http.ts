import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** One request as the emulator saw it. Never holds a token or a secret. */
export interface RecordedRequest {
	method: string;
	/** Raw path without the query, exactly as sent (not percent-decoded). */
	path: string;
	/** Everything after '?', '' if none. */
	rawQuery: string;
	/** Decoded query; '%24top' and '$top' both appear as '$top'. */
	query: Record<string, string>;
	/** Lower-case names; an Authorization value is replaced by 'Bearer [redacted]'. */
	headers: Record<string, string>;
	hasBearer: boolean;
	/**
	 * Parsed JSON (with every "password" and "pkcs12Value" replaced by '[redacted]'), or the parsed form
	 * of a token request (client_secret and client_assertion redacted), or the raw text; undefined when empty.
	 */
	body: unknown;
	/** 0 while unanswered, and for ever if the connection was dropped or the request hung. */
	status: number;
	/** When the request arrived and when it was answered (Date.now()); answeredAt stays undefined without an answer. */
	receivedAt: number;
	answeredAt?: number;
	/** The Retry-After header of the answer, when it had one (a 429's, a 503's). */
	retryAfter?: string;
	/** The TLS connection that carried the request: 1 for the emulator's first, and so on. Steps of a $batch: none. */
	connection?: number;
	/** Token requests: the tenant of the path (its GUID when known). Graph: the token's tid. */
	tenantId?: string;
	/** Token requests: the form's client_id. Graph: the token's appid. */
	clientId?: string;
	/** Token requests that used a certificate: what the client_assertion looked like. */
	clientAssertion?: ClientAssertionSummary;
	/**
	 * Steps of a JSON batch: the request-id of the POST /$batch that carried them. A step is recorded when it
	 * was executed (it reached a queued fault or the Graph router), after the batch POST itself.
	 */
	batchId?: string;
}

export interface ClientAssertionSummary {
	alg: string;
	thumbprintHeader: 'x5t#S256' | 'x5t' | 'none';
	/** The JWT header carried x5c (@azure/identity's sendCertificateChain). */
	sentCertificateChain: boolean;
}

/** A request, read in full, as the Entra and Graph handlers get it. */
export interface IncomingCall {
	method: string;
	rawPath: string;
	rawQuery: string;
	query: Record<string, string>;
	headers: Record<string, string>;
	bodyText: string;
	/** https://host:port as the client addressed the emulator (from the Host header). */
	origin: string;
	/** The record of this request, for handlers to add what only they know (tenant, client). */
	record: RecordedRequest;
}

/** What a handler answers; a body that is not a string is sent as JSON. */
export interface EmulatorResponse {
	status: number;
	headers?: Record<string, string>;
	body?: unknown;
}

const REDACTED = '[redacted]';
/** Values never kept in recorded bodies: token request credentials and API connector secrets. */
const SECRET_FIELDS = new Set(['client_secret', 'client_assertion', 'password', 'pkcs12Value']);

/** A request target split at '?'. */
export interface RequestTarget {
	path: string;
	rawQuery: string;
	query: Record<string, string>;
}

export function splitTarget(target: string): RequestTarget {
	const queryStart = target.indexOf('?');
	const rawQuery = queryStart < 0 ? '' : target.slice(queryStart + 1);
	return {
		path: queryStart < 0 ? target : target.slice(0, queryStart),
		rawQuery,
		// URLSearchParams decodes '%24top' to '$top', so both spellings of an option read the same.
		query: Object.fromEntries(new URLSearchParams(rawQuery)),
	};
}

/** Headers as recorded: a copy whose Authorization value, if any, is replaced. */
export function redactAuthorization(headers: Record<string, string>): Record<string, string> {
	return headers.authorization === undefined
		? { ...headers }
		: { ...headers, authorization: 'Bearer [redacted]' };
}

/** A copy of parsed JSON with every secret field's value replaced. */
export function redactSecrets(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(redactSecrets);
	if (!isPlainObject(value)) return value;
	return Object.fromEntries(
		Object.entries(value).map(([key, field]) => [
			key,
			SECRET_FIELDS.has(key) ? REDACTED : redactSecrets(field),
		]),
	);
}

export function positiveInteger(option: string, value: number): number {
	if (!Number.isInteger(value) || value < 1)
		throw new Error(`Emulator: ${option} must be a positive integer, got ${value}`);
	return value;
}

export function base64UrlJson(value: unknown): string {
	return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Parses one base64url-encoded JSON part of a JWT; undefined when it is not a JSON object. */
export function parseBase64UrlJson(part: string): Record<string, unknown> | undefined {
	try {
		const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
		return isPlainObject(value) ? value : undefined;
	} catch {
		return undefined;
	}
}

/** decodeURIComponent, or undefined for a malformed escape (Graph and Entra then answer 400). */
export function decodeSegment(segment: string): string | undefined {
	try {
		return decodeURIComponent(segment);
	} catch {
		return undefined;
	}
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function nowSeconds(): number {
	return Math.floor(Date.now() / 1000);
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: string): boolean {
	return GUID.test(value);
}

export function retryAfterHeader(seconds: number | undefined): Record<string, string> {
	return seconds === undefined ? {} : { 'Retry-After': String(seconds) };
}

/** The media type of a Content-Type header, lower-case, without parameters. */
export function mediaType(headers: Record<string, string>): string {
	return (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * Finds a file of this repository whether the code runs from its TypeScript source (emulator/)
 * or compiled (build/emulator): walks up from here until the relative path exists.
 */
export function repositoryFile(relativePath: string): string {
	for (let dir = __dirname; ; dir = path.dirname(dir)) {
		const candidate = path.join(dir, relativePath);
		if (existsSync(candidate)) return candidate;
		if (path.dirname(dir) === dir)
			throw new Error(`Emulator: cannot find ${relativePath} above ${__dirname}`);
	}
}
