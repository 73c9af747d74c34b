import { randomUUID } from 'node:crypto';

import type { IHttpRequestOptions, INode } from 'n8n-workflow';

import { linkRefusedError } from './errors';
import { isAbsoluteUrl, relativeUrl } from './paths';
import type { GraphRequest, OutgoingRequest } from './types';

/** The HTTP request for a Graph request: a relative path goes below the version root, a link must be there. */
export function outgoingRequest(
	node: INode,
	graphBaseUrl: string,
	request: GraphRequest,
	{ timeoutMs, signal }: { timeoutMs: number; signal?: AbortSignal },
): OutgoingRequest {
	let relative = relativeUrl(request.path, request.qs);
	if (isAbsoluteUrl(request.path)) {
		if (!request.path.startsWith(`${graphBaseUrl}/`)) {
			throw linkRefusedError(node, request.path, graphBaseUrl, request.itemIndex);
		}
		relative = request.path.slice(graphBaseUrl.length);
	}
	const options: IHttpRequestOptions = {
		method: request.method,
		url: `${graphBaseUrl}${relative}`,
		headers: { 'client-request-id': randomUUID(), Accept: 'application/json' },
		json: true,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		timeout: timeoutMs,
		abortSignal: signal,
		// A request with the token never follows a redirect (n8n's helper would, and under a proxy would put
		// the Authorization header back on a hop to another origin): a 3xx comes back and fails the item.
		disableFollowRedirect: true,
		sendCredentialsOnCrossOriginRedirect: false,
	};
	if (request.body !== undefined) {
		// n8n's HTTP layer drops an empty object body, but Graph's documented "disable" call sends {}.
		options.body = Object.keys(request.body).length === 0 ? '{}' : request.body;
		options.headers = { ...options.headers, 'Content-Type': 'application/json' };
	}
	return { relativeUrl: relative, options };
}
