import type {
	ICredentialsDecrypted,
	IDataObject,
	IHttpRequestMethods,
	IHttpRequestOptions,
} from 'n8n-workflow';

import type { GraphApp } from '../../../credentials/entra';

/** Who the node acts as, and where Graph is: read once per node run from the credential. */
export interface GraphAccess {
	app: GraphApp;
	/** Handed to n8n's request helper, which would otherwise decrypt the credential again for every request. */
	credentials: ICredentialsDecrypted;
}

export interface GraphRequest {
	method: IHttpRequestMethods;
	/**
	 * Path below the version root, built with graphPath`` so that every value is one encoded segment; or an
	 * absolute link Graph gave (a next page), which must lie below the configured Graph root.
	 */
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

/** One HTTP answer as it came, whatever its status. */
export interface RawResponse {
	statusCode: number;
	headers: unknown;
	body: unknown;
}

/** An HTTP request on its way to Graph: its URL below the version root, and the options that carry it. */
export interface OutgoingRequest {
	/** Path and query below the version root, as a $batch step names it. */
	relativeUrl: string;
	options: IHttpRequestOptions;
}

/** Sends one request to Graph with the app's token and returns the answer, whatever its status. */
export type SendRequest = (request: OutgoingRequest) => Promise<RawResponse>;

/** How long and how often one request may be tried: the node's Request Options for an item. */
export interface RetryPolicy {
	/** Retries of one request after 429, 503, 504 or a dropped connection. */
	maxRetries: number;
	/** Total time one request may spend waiting between retries. */
	maxTotalWaitMs: number;
	/** Per-request HTTP timeout. */
	requestTimeoutMs: number;
}
