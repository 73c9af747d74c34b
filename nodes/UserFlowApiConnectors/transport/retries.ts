import { sleep, type IHttpRequestMethods } from 'n8n-workflow';

/**
 * Requests that may be sent again after their connection dropped: these methods (PATCH included: the node's
 * PATCHes set fields to given values). A POST may have taken effect unseen; only operations that can tell (for
 * example Create, by reading back) ask the client to retry it.
 */
export const IDEMPOTENT_METHODS = new Set<IHttpRequestMethods>([
	'GET',
	'PUT',
	'DELETE',
	'HEAD',
	'PATCH',
]);

/** Answers worth waiting out: throttled, or Graph (or its gateway) briefly unavailable. */
export const RETRYABLE_STATUS = new Set([429, 503, 504]);

/** Connections that broke after the request left: it may have reached Graph, and been carried out. */
export const BROKEN_AFTER_SENDING = new Set(['ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE']);

/** Connections that broke or never opened (refused): worth trying again. */
export const RETRYABLE_NETWORK_CODES = new Set([...BROKEN_AFTER_SENDING, 'ECONNREFUSED']);

/** The first back-off when Graph sends no Retry-After; doubled on each retry, up to a minute. */
const BASE_DELAY_MS = 1_000;
const MAX_DELAY_MS = 60_000;

export function backoffMs(attempt: number): number {
	return Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1));
}

/** Retry-After in seconds (Graph's form) or as an HTTP date. */
export function retryAfterMs(headers: Record<string, string>): number | undefined {
	const value = headers['retry-after'];
	if (value === undefined) return undefined;
	const seconds = Number(value);
	if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
	const date = Date.parse(value);
	return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Response headers as lower-case names with string values. */
export function headerMap(headers: unknown): Record<string, string> {
	const result: Record<string, string> = {};
	for (const [key, value] of Object.entries((headers ?? {}) as Record<string, unknown>)) {
		if (value !== undefined) {
			result[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
		}
	}
	return result;
}

/** Waits, or less when the execution is stopped: the caller looks at the signal afterwards. */
export async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
	await sleep(ms, signal).catch(() => undefined);
}
