import {
	NodeApiError,
	type IDataObject,
	type IExecuteFunctions,
	type ILoadOptionsFunctions,
	type INode,
} from 'n8n-workflow';

import type { EntraEndpoints } from '../../../credentials/entra';
import { endlessListingError, unusableAnswer } from './answers';
import { graphApiError, rootCause, stoppedError, transportError } from './errors';
import { outgoingRequest } from './outgoing';
import {
	BROKEN_AFTER_SENDING,
	IDEMPOTENT_METHODS,
	RETRYABLE_NETWORK_CODES,
	RETRYABLE_STATUS,
	backoffMs,
	headerMap,
	pause,
	retryAfterMs,
} from './retries';
import { openRoute, type Route } from './route';
import type { GraphRequest, GraphResponse, RetryPolicy } from './types';

export interface GraphClientOptions {
	/** The Request Options of an item (list search has no item). */
	retryPolicy: (itemIndex: number | undefined) => RetryPolicy;
	/** Send the requests of items running together in $batch requests. */
	batching: boolean;
	/** n8n's signal that the user stopped the execution; list search has none. */
	signal?: AbortSignal;
}

/** Items per page asked of Graph ($top); Graph may send fewer and a next link. */
export const PAGE_SIZE = 100;

/** Why a POST answered 503/504 is not sent again: Graph or its gateway may have applied it anyway. */
const MAY_HAVE_APPLIED =
	'Graph (or a gateway on the way) may have carried the request out before it answered, so it was not sent again: the object may exist. Look for it (Get, or Get Many) before running the item again.';

/** The error of a POST that may have taken effect, saying so and how to look. */
function sayingItMayExist(error: NodeApiError): NodeApiError {
	error.description = `${error.description ?? ''} ${MAY_HAVE_APPLIED}`.trim();
	return error;
}

/** More pages than a tenant's flows or connectors fill (a hundred thousand objects at 100 a page). */
const MAX_PAGES = 1_000;

export interface RequestOptions {
	/**
	 * Makes a POST safe to send again: an attempt that got no answer, or 503/504, may have taken effect
	 * unseen. This reads the object back and returns it as the answer if it is what was asked for, or
	 * undefined when it does not exist. It is asked before the POST goes again, and when a repeat meets 409.
	 * Without it a POST is never sent twice: the item fails, saying the object may exist.
	 */
	readBack?: () => Promise<GraphResponse | undefined>;
	/** Ask readBack on every 409, not only after an attempt that may have applied: an existing object may do. */
	readBackOnEveryConflict?: boolean;
}

/**
 * The one way this node talks to Graph, one object per node run: base URL from cloud and version, the
 * credential's token (fetched afresh once after a 401), retries of 429/503/504 honouring Retry-After within
 * the item's Request Options, and Graph errors as NodeApiError. The credential is read once, at the first
 * request, so that an input already wrong is reported before anything about the credential.
 */
export class GraphClient {
	private route?: Promise<Route>;

	readonly node: INode;

	constructor(
		private readonly context: IExecuteFunctions | ILoadOptionsFunctions,
		private readonly options: GraphClientOptions,
	) {
		this.node = context.getNode();
	}

	/** Where Graph is for this credential: its origin, version root and version. */
	async endpoints(): Promise<EntraEndpoints> {
		return (await this.routeOf()).access.app.endpoints;
	}

	/** Returns 2xx responses only; anything else becomes the NodeApiError the item fails with. */
	async request(
		request: GraphRequest,
		{ readBack, readBackOnEveryConflict = false }: RequestOptions = {},
	): Promise<GraphResponse> {
		const policy = this.options.retryPolicy(request.itemIndex);
		const { access, send, budget } = await this.routeOf();
		const { signal } = this.options;
		const outgoing = outgoingRequest(this.node, access.app.endpoints.graphBaseUrl, request, {
			timeoutMs: policy.requestTimeoutMs,
			signal,
		});
		const idempotent = IDEMPOTENT_METHODS.has(request.method);
		const retryNetwork = idempotent || readBack !== undefined;
		let waitedMs = 0;
		// Retries after 503, 504 or a dropped connection, which Max Retries bounds; 429s are waited out.
		let retries = 0;
		let throttled = 0;
		let refreshedToken = false;
		// An attempt whose answer never came, or was 503/504, may still have taken effect.
		let mayHaveApplied = false;
		/** The wait before the next attempt, unless it would pass Max Retry Wait: then the item's error. */
		const planWait = (delay: number, why: string): string | undefined => {
			if (waitedMs + delay > policy.maxTotalWaitMs) {
				return `${why} ${Math.ceil(delay / 1000)} s, beyond the retry limit of ${policy.maxTotalWaitMs / 1000} s in total (already waited ${Math.round(waitedMs / 1000)} s).`;
			}
			waitedMs += delay;
			return undefined;
		};
		// A read-back that fails after an attempt that may have applied leaves it unknown: the error says so.
		const unreadable = async (error: NodeApiError) =>
			await Promise.reject(mayHaveApplied ? sayingItMayExist(error) : error);
		for (let attempt = 1; ; attempt++) {
			let response: GraphResponse<unknown>;
			let sentAt = 0;
			if (mayHaveApplied && !idempotent && readBack) {
				const earlierSuccess = await readBack().catch(unreadable);
				if (earlierSuccess) return earlierSuccess;
			}
			const slot = await budget.turn(signal);
			if (!slot || signal?.aborted) {
				// Stopped just as its turn came: the turn ends unused.
				if (slot) budget.answered(slot);
				throw stoppedError(this.node, request.itemIndex);
			}
			try {
				// A 401 forgets only a token obtained before this moment: one fresh token serves every request in flight.
				sentAt = Date.now();
				const raw = await send(outgoing).finally(() => budget.answered(slot));
				response = { statusCode: raw.statusCode, headers: headerMap(raw.headers), body: raw.body };
			} catch (error) {
				if (signal?.aborted) throw stoppedError(this.node, request.itemIndex);
				const code = rootCause(error)?.code ?? '';
				const delay = backoffMs(retries + 1);
				if (
					retryNetwork &&
					RETRYABLE_NETWORK_CODES.has(code) &&
					++retries <= policy.maxRetries &&
					planWait(delay, '') === undefined
				) {
					mayHaveApplied = true;
					await pause(delay, signal);
					continue;
				}
				const failure = transportError(this.node, request, error, attempt, access.app.settings);
				// A POST whose connection broke after it left may have been carried out: say so.
				if (!idempotent && failure instanceof NodeApiError && BROKEN_AFTER_SENDING.has(code)) {
					throw sayingItMayExist(failure);
				}
				throw failure;
			}
			if (response.statusCode >= 200 && response.statusCode < 300) {
				const unusable = unusableAnswer(request, response);
				if (unusable) {
					throw graphApiError(this.node, request, response, access.app.settings, unusable);
				}
				// A 204 comes back empty: callers always get an object.
				const body = (response.body || {}) as IDataObject;
				return { ...response, body };
			}
			if (response.statusCode === 401 && !refreshedToken) {
				// The cached token may have been revoked or the app's consent changed: get a fresh one, once.
				refreshedToken = true;
				await access.app.forgetToken(sentAt);
				continue;
			}
			if (response.statusCode === 409 && readBack && (mayHaveApplied || readBackOnEveryConflict)) {
				const earlierSuccess = await readBack().catch(unreadable);
				if (earlierSuccess) return earlierSuccess;
			}
			if (!RETRYABLE_STATUS.has(response.statusCode)) {
				throw graphApiError(this.node, request, response, access.app.settings);
			}
			const asked = retryAfterMs(response.headers);
			const answered = response;
			const fail = (extra?: string) =>
				graphApiError(this.node, request, answered, access.app.settings, extra);
			const waitsFor =
				asked === undefined
					? 'The next back-off (Graph sent no Retry-After) would wait'
					: 'Graph asked to wait';
			if (response.statusCode === 429) {
				// Throttled: never a failure by itself. The whole app waits what Graph asks (or a back-off).
				const delay = asked ?? backoffMs(++throttled);
				const beyond = planWait(delay, waitsFor);
				if (beyond) throw fail(beyond);
				budget.throttled(delay, slot);
				continue;
			}
			if (!idempotent && !readBack) throw fail(MAY_HAVE_APPLIED);
			// A POST that gives up here got 503/504 last, which may have come after Graph applied it.
			const unseen = idempotent ? '' : ` ${MAY_HAVE_APPLIED}`;
			if (++retries > policy.maxRetries) throw fail(`Gave up after ${attempt} attempts.${unseen}`);
			mayHaveApplied = !idempotent;
			const delay = asked ?? backoffMs(retries);
			const beyond = planWait(delay, waitsFor);
			if (beyond) throw fail(`${beyond}${unseen}`);
			await pause(delay, signal);
		}
	}

	/** Reads the credential at the first request of the run; a failure is not kept, so each item reports it. */
	private async routeOf(): Promise<Route> {
		if (!this.route) {
			this.route = openRoute(this.context, this.options.batching);
			this.route.catch(() => (this.route = undefined));
		}
		return await this.route;
	}

	/**
	 * Follows @odata.nextLink until the end or the limit; undefined returns all. A link Graph gave before, or
	 * more pages than any listing here has, ends the item: such a Graph would be followed for ever. onPage is
	 * told of every page read, for callers that report how many requests they made.
	 */
	async requestAllItems(
		request: GraphRequest,
		limit?: number,
		onPage?: () => void,
	): Promise<IDataObject[]> {
		const items: IDataObject[] = [];
		const followed = new Set<string>();
		let next: GraphRequest | undefined = {
			...request,
			qs: { ...request.qs, $top: Math.min(limit ?? PAGE_SIZE, PAGE_SIZE) },
		};
		while (next) {
			const { body } = await this.request(next);
			onPage?.();
			items.push(...((body.value as IDataObject[] | undefined) ?? []));
			if (limit !== undefined && items.length >= limit) return items.slice(0, limit);
			const nextLink: unknown = body['@odata.nextLink'];
			if (typeof nextLink !== 'string') return items;
			if (followed.has(nextLink) || followed.size >= MAX_PAGES) {
				throw endlessListingError(this.node, request, followed.size + 1, followed.has(nextLink));
			}
			followed.add(nextLink);
			// The link is absolute; request() refuses it unless it stays below the configured Graph root.
			next = { method: 'GET', path: nextLink, itemIndex: request.itemIndex };
		}
		return items;
	}
}
