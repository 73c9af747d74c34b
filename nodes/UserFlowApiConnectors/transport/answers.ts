import type { INode, NodeApiError } from 'n8n-workflow';

import { apiError } from './errors';
import type { GraphRequest, GraphResponse } from './types';

/*
 * A 2xx is only a success when its body is what Graph sends for it: a JSON object for GET and POST, nothing
 * or JSON for PUT, PATCH and DELETE (Graph answers 204). Anything else (an HTML page of a proxy, a truncated
 * or empty body, a 200 with an error in it) did not come from a Graph that did what was asked: the item fails
 * with what came back, instead of reporting an empty object as its result.
 */

const EXPECTS_BODY = new Set(['GET', 'POST']);

/** Why a 2xx answer cannot be the item's result, or undefined when it can. */
export function unusableAnswer(
	request: GraphRequest,
	response: GraphResponse<unknown>,
): string | undefined {
	const { body, statusCode } = response;
	const answered = `${request.method} ${request.path.split('?')[0]} answered ${statusCode}`;
	// A $batch step's 204 may carry `"body": null`.
	if (body === undefined || body === '' || body === null) {
		return EXPECTS_BODY.has(request.method)
			? `${answered} with no body, where Graph sends the object.`
			: undefined;
	}
	if (typeof body !== 'object' || body === null || Array.isArray(body)) {
		return `${answered} with a body that is not a JSON object (${typeof body === 'string' ? `${body.length} characters of text` : JSON.stringify(body).slice(0, 40)}): not an answer of Microsoft Graph, perhaps of a proxy or gateway on the way.`;
	}
	if ('error' in body && typeof (body as { error: unknown }).error === 'object') {
		return `${answered} with an error in its body: Graph did not report success.`;
	}
	return undefined;
}

/** A listing whose next link comes round again, or that does not end. */
export function endlessListingError(
	node: INode,
	request: GraphRequest,
	page: number,
	repeated: boolean,
): NodeApiError {
	const path = request.path.split('?')[0];
	const message = repeated
		? `Graph's next link for ${path} points at a page already read (page ${page})`
		: `Graph's listing of ${path} did not end after ${page - 1} pages`;
	return apiError(
		node,
		{ code: repeated ? 'RepeatedNextLink' : 'EndlessListing' },
		{
			message,
			description:
				'The listing was not followed further, so no item repeats or goes on for ever. Try again later; if it persists, the answer did not come from Microsoft Graph (a proxy or gateway on the way?).',
			itemIndex: request.itemIndex,
		},
	);
}
