import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type INode,
	type JsonObject,
} from 'n8n-workflow';

import { EntraSettingsError, EntraTokenError } from '../../../credentials/entra';
import type { GraphRequest, GraphResponse } from './types';

/**
 * A NodeApiError that keeps the message it is given: n8n's constructor replaces any message that merely
 * contains a Node.js error code, and Graph's "ResourceNotFound" contains "ENOTFOUND" (a DNS hint would follow).
 */
export function apiError(
	node: INode,
	response: JsonObject,
	options: { message: string; description: string; httpCode?: string; itemIndex?: number },
): NodeApiError {
	const error = new NodeApiError(node, response, options);
	error.message = options.message;
	return error;
}

/** What an item gets when the user stopped the execution before it had finished. */
export function stoppedError(node: INode, itemIndex?: number): NodeOperationError {
	return new NodeOperationError(node, 'The execution was stopped before this item had finished', {
		itemIndex,
		description:
			'Requests not yet sent were not sent. A request already on its way was abandoned: Graph may have applied it, so read the object before running the item again.',
	});
}

/** A link (a next page) that would take the token outside the configured Graph root. */
export function linkRefusedError(
	node: INode,
	link: string,
	graphBaseUrl: string,
	itemIndex?: number,
) {
	return apiError(
		node,
		{ code: 'UnexpectedLink' },
		{
			message: `Refusing to follow a link outside the configured Graph URL: ${link.split('?')[0]}`,
			description: `Only links below ${graphBaseUrl}/ are followed, so the token goes nowhere else.`,
			itemIndex,
		},
	);
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

/** Turns a Graph error response into a NodeApiError carrying Graph's code, message and request ids. */
export function graphApiError(
	node: INode,
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
		node,
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
export function rootCause(error: unknown): Error & { code?: string } {
	let current = error as Error & { code?: string; cause?: unknown };
	while (current?.cause instanceof Error) current = current.cause as typeof current;
	return current;
}

/** A request that got no HTTP answer: no token, an invalid credential, or the network. */
export function transportError(
	node: INode,
	request: GraphRequest,
	error: unknown,
	attempts: number,
): Error {
	const cause = rootCause(error);
	if (cause instanceof EntraTokenError) {
		return apiError(
			node,
			{ message: cause.message, code: cause.entraCode ?? 'TokenError' },
			{ message: cause.message, description: cause.description, itemIndex: request.itemIndex },
		);
	}
	if (cause instanceof EntraSettingsError) {
		return new NodeOperationError(
			node,
			`The Microsoft Entra credential is not valid: ${cause.message}`,
			{ itemIndex: request.itemIndex },
		);
	}
	// n8n's SSRF refusals carry no code, only their class name.
	const code = cause?.code ?? (cause?.name && cause.name !== 'Error' ? cause.name : 'UNKNOWN');
	const ssrfHint = code.startsWith('Ssrf')
		? " n8n's SSRF protection (N8N_SSRF_PROTECTION_ENABLED) refuses the Graph host: allow it with N8N_SSRF_ALLOWED_HOSTNAMES or N8N_SSRF_ALLOWED_IP_RANGES."
		: '';
	// Only the code and our own message: the HTTP library's error holds the request, with its token.
	return apiError(
		node,
		{ code, message: `${request.method} ${request.path}` },
		{
			message: `Could not reach Microsoft Graph (${code}) for ${request.method} ${request.path.split('?')[0]}`,
			description: `${attempts} attempt(s) made. ${String(cause?.message ?? '').replace(/Bearer\s+\S+/g, 'Bearer [redacted]')}${ssrfHint}`,
			itemIndex: request.itemIndex,
		},
	);
}
