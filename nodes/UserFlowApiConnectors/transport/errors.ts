import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type INode,
	type JsonObject,
} from 'n8n-workflow';

import {
	EntraSettingsError,
	EntraTokenError,
	type EntraAppSettings,
} from '../../../credentials/entra';
import { BatchAnswerError } from './batchErrors';
import { MAX_DESCRIPTION_CHARS, scrubObject, scrubText, secretsOf } from './scrub';
import type { GraphRequest, GraphResponse } from './types';

/** The credential's secrets, as the scrubber needs them (GraphApp.settings). */
type CredentialSecrets = Pick<
	EntraAppSettings,
	'clientSecret' | 'privateKey' | 'privateKeyPassphrase'
>;

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
			message: `Refusing to follow a link outside the configured Graph URL: ${scrubText(link.split('?')[0], [], 300)}`,
			description: `Only links below ${graphBaseUrl}/ are followed, so the token goes nowhere else.`,
			itemIndex,
		},
	);
}

interface GraphErrorBody {
	error?: { code?: string; message?: string; innerError?: IDataObject };
}

const PERMISSION_HINT =
	'The app registration lacks a permission: grant IdentityUserFlow.ReadWrite.All and APIConnectors.ReadWrite.All (application) with admin consent.';
const TENANT_KIND_HINT =
	"External ID self-service sign-up flows (b2xUserFlows) exist only in a Microsoft Entra ID or External ID tenant, Azure AD B2C flows (b2cUserFlows) only in an Azure AD B2C tenant. Choose the Flow Kind of the credential's tenant.";

const STATUS_HINTS: Record<number, string> = {
	401: 'Graph did not accept the token. Check the app registration and the national cloud of the credential.',
	403: `${PERMISSION_HINT} ${TENANT_KIND_HINT}`,
	404: 'Check the ID: it must name an existing object in this tenant.',
	429: 'Graph throttled the requests. Lower the number of items per run or try again later.',
};

/** Where Graph's code says more than the status: a 403 is a missing permission or the wrong tenant kind. */
const CODE_HINTS: Record<string, Record<string, string>> = {
	403: { Authorization_RequestDenied: PERMISSION_HINT, AccessDenied: TENANT_KIND_HINT },
};

function statusHint(statusCode: number, code: string): string | undefined {
	return CODE_HINTS[statusCode]?.[code] ?? STATUS_HINTS[statusCode];
}

/** Where a redirect pointed: the origin of its Location (never its path or query), or what it was. */
function redirectTarget(location: string | undefined): string {
	if (!location) return 'no Location';
	if (URL.canParse(location)) return new URL(location).origin;
	return 'a path on the same host';
}

/**
 * A 3xx: never followed, by the node's connections or by n8n's helper (disableFollowRedirect), so the token
 * went nowhere but Graph's URL. Says the status and the origin it pointed to.
 */
function redirectError(
	node: INode,
	request: GraphRequest,
	response: GraphResponse<unknown>,
	secrets: string[],
): NodeApiError {
	const target = scrubText(redirectTarget(response.headers.location), secrets);
	const status = String(response.statusCode);
	return apiError(
		node,
		{ code: `HTTP ${status}`, message: `Redirect to ${target}`, httpCode: status },
		{
			message: `Microsoft Graph answered ${status}, a redirect to ${target}, which is not followed`,
			description: `${request.method} ${request.path.split('?')[0]} answered ${status} with Location ${target}. Requests that carry the token never follow a redirect, so nothing was sent to ${target}. Check the Graph Base URL of the credential: it must be the address that answers Graph requests itself, not one that redirects.`,
			httpCode: status,
			itemIndex: request.itemIndex,
		},
	);
}

/**
 * Turns a Graph error response into a NodeApiError carrying Graph's code, message and request ids. Everything
 * taken from the response goes through the scrubber: the credential's secrets and the request body's (a
 * connector password, a .pfx and its password) and any token are removed, and the text is bounded.
 */
export function graphApiError(
	node: INode,
	request: GraphRequest,
	response: GraphResponse<unknown>,
	settings?: CredentialSecrets,
	extra?: string,
): NodeApiError {
	const secrets = secretsOf({ settings, body: request.body });
	if (response.statusCode >= 300 && response.statusCode < 400) {
		return redirectError(node, request, response, secrets);
	}
	const body = (
		typeof response.body === 'object' && response.body !== null ? response.body : {}
	) as GraphErrorBody;
	const code = scrubText(String(body.error?.code ?? `HTTP ${response.statusCode}`), secrets, 200);
	const graphMessage = scrubText(
		String(
			body.error?.message ??
				(typeof response.body === 'string' && response.body ? response.body : 'no message'),
		),
		secrets,
	);
	const inner = scrubObject(body.error?.innerError ?? {}, secrets, 200);
	const header = (name: string) => scrubText(String(response.headers[name] ?? ''), secrets, 200);
	const requestId = String(inner['request-id'] ?? (header('request-id') || 'none'));
	const clientRequestId = String(
		inner['client-request-id'] ?? (header('client-request-id') || 'none'),
	);
	const details = [
		extra,
		statusHint(response.statusCode, code),
		`${request.method} ${request.path.split('?')[0]} answered ${response.statusCode} ${code}.`,
		`request-id: ${requestId}; client-request-id: ${clientRequestId}; date: ${String(inner.date ?? header('date'))}`,
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
			description: scrubText(details.join(' '), secrets, MAX_DESCRIPTION_CHARS),
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
	settings?: CredentialSecrets,
): Error {
	const secrets = secretsOf({ settings, body: request.body });
	const cause = rootCause(error);
	if (cause instanceof EntraTokenError) {
		return apiError(
			node,
			{ message: scrubText(cause.message, secrets), code: cause.entraCode ?? 'TokenError' },
			{
				message: scrubText(cause.message, secrets),
				description: scrubText(cause.description, secrets, MAX_DESCRIPTION_CHARS),
				itemIndex: request.itemIndex,
			},
		);
	}
	if (cause instanceof EntraSettingsError) {
		return new NodeOperationError(
			node,
			`The Microsoft Entra credential is not valid: ${scrubText(cause.message, secrets)}`,
			{ itemIndex: request.itemIndex },
		);
	}
	if (cause instanceof BatchAnswerError) {
		const target = `${request.method} ${request.path.split('?')[0]}`;
		return apiError(
			node,
			{ code: cause.code, message: target },
			{
				message: `${cause.summary} for ${target}`,
				description: scrubText(cause.message, secrets, MAX_DESCRIPTION_CHARS),
				itemIndex: request.itemIndex,
			},
		);
	}
	// n8n's SSRF refusals carry no code, only their class name.
	const code = scrubText(
		String(cause?.code ?? (cause?.name && cause.name !== 'Error' ? cause.name : 'UNKNOWN')),
		secrets,
		100,
	);
	const ssrfHint = code.startsWith('Ssrf')
		? " n8n's SSRF protection (N8N_SSRF_PROTECTION_ENABLED) refuses the Graph host: allow it with N8N_SSRF_ALLOWED_HOSTNAMES or N8N_SSRF_ALLOWED_IP_RANGES."
		: '';
	// Only the code and our own message: the HTTP library's error holds the request, with its token.
	return apiError(
		node,
		{ code, message: `${request.method} ${request.path}` },
		{
			message: `Could not reach Microsoft Graph (${code}) for ${request.method} ${request.path.split('?')[0]}`,
			description: `${attempts} attempt(s) made. ${scrubText(String(cause?.message ?? ''), secrets, MAX_DESCRIPTION_CHARS)}${ssrfHint}`,
			itemIndex: request.itemIndex,
		},
	);
}
