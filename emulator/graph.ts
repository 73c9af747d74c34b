import { randomUUID } from 'node:crypto';

import type { AccessTokenClaims, AccessTokenIssuer, TokenCheck } from './entra';
import { answerBatch } from './graph-batch';
import { CONNECTOR_HANDLERS } from './graph-connectors';
import { FLOW_HANDLERS } from './graph-flows';
import {
	badRequest,
	FLOW_KINDS,
	GraphError,
	unknownSegment,
	type GraphHandler,
	type GraphRequest,
	type GraphVersion,
	type HandlerTable,
	type Route,
} from './graph-common';
import {
	decodeSegment,
	isGuid,
	retryAfterHeader,
	type EmulatorResponse,
	type IncomingCall,
} from './http';
import type { EmulatorState, Tenant, UserFlowKind } from './state';

export interface GraphContext {
	state: EmulatorState;
	tokens: AccessTokenIssuer;
	pageSize: number;
	emulatorUrl: string;
	/**
	 * Admits (undefined) or throttles each authenticated request by its token's app + tenant under Graph's
	 * budget (setBudget()); a refusal is the Retry-After value.
	 */
	admit: (tenantId: string, appId: string) => string | undefined;
	/** Records a step of a $batch and answers it: by a queued fault, or by handleGraphRequest(). */
	runBatchStep: (step: IncomingCall) => EmulatorResponse;
}

const HANDLERS: HandlerTable<Route['kind']> = { ...FLOW_HANDLERS, ...CONNECTOR_HANDLERS };
const VERSIONS: readonly GraphVersion[] = ['v1.0', 'beta'];
/** The query options the emulator implements; others are refused rather than silently ignored. */
const SUPPORTED_SYSTEM_QUERY_OPTIONS = ['$top', '$skiptoken', '$select', '$expand'];

const WWW_AUTHENTICATE =
	'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';
const TOKEN_REJECTIONS: Record<Exclude<TokenCheck, { valid: true }>['reason'], string> = {
	malformed: 'Access token validation failure. The token is not a well-formed JWT.',
	signature: 'Access token validation failure. Invalid signature.',
	expired: 'Lifetime validation failed, the token is expired.',
	revoked: 'Access token validation failure. The token has been revoked.',
	audience: 'Access token validation failure. Invalid audience.',
};
/** Codes for injected status faults and the throttle's 429 (assumed: Graph's usual codes for these statuses). */
const FAULT_CODES: Record<number, [code: string, message: string]> = {
	429: ['TooManyRequests', 'Too many requests. Retry after the time in the Retry-After header.'],
	500: ['InternalServerError', 'An internal server error occurred.'],
	502: ['BadGateway', 'The gateway received an invalid response.'],
	503: ['ServiceUnavailable', 'The service is temporarily unavailable.'],
	504: ['GatewayTimeout', 'The gateway timed out.'],
};

export function isGraphPath(rawPath: string): boolean {
	return /^\/(v1\.0|beta)\//.test(rawPath) || rawPath.startsWith('/$batch');
}

/** Answers a Graph request, with the headers Graph puts on every response. */
export function handleGraphRequest(call: IncomingCall, context: GraphContext): EmulatorResponse {
	const ids = requestIds(call);
	try {
		return withGraphHeaders(routeGraphRequest(call, context, ids), ids);
	} catch (error) {
		if (error instanceof GraphError) return graphErrorResponse(error, ids);
		throw error;
	}
}

/** What an injected status fault on Graph answers. */
export function graphFaultResponse(
	call: IncomingCall,
	status: number,
	retryAfterSeconds?: number,
): EmulatorResponse {
	const [code, message] = FAULT_CODES[status] ?? ['UnknownError', `HTTP ${status}`];
	return graphErrorResponse(
		new GraphError(status, code, message, retryAfterHeader(retryAfterSeconds)),
		requestIds(call),
	);
}

interface RequestIds {
	requestId: string;
	clientRequestId: string;
}

function requestIds(call: IncomingCall): RequestIds {
	const requestId = randomUUID();
	return { requestId, clientRequestId: call.headers['client-request-id'] ?? requestId };
}

function routeGraphRequest(
	call: IncomingCall,
	context: GraphContext,
	ids: RequestIds,
): EmulatorResponse {
	const [versionSegment, ...segments] = pathSegments(call.rawPath);
	const claims = authenticate(call, context.tokens);
	call.record.tenantId = claims.tid;
	call.record.clientId = claims.appid;
	const tenant = context.state.tenant(claims.tid);
	if (!tenant) throw unauthenticated(TOKEN_REJECTIONS.audience);
	// A step inside a batch that names $batch again goes on to resolveRoute(), which refuses the segment.
	const isBatchEndpoint =
		segments.length === 1 && segments[0] === '$batch' && call.record.batchId === undefined;
	if (!isBatchEndpoint) admitWithinBudget(claims, context);
	rejectUnsupportedQueryOptions(call);
	const version = VERSIONS.find((name) => name === versionSegment);
	// isGraphPath() admits /v1.0/..., /beta/... and /$batch: only the last has no version (assumed wording).
	if (!version) throw badRequest(`Invalid version: ${versionSegment}`);
	if (isBatchEndpoint) return answerBatchEndpoint(call, version, ids, context);
	const route = resolveRoute(version, segments);
	const handler = (HANDLERS[route.kind] as Partial<Record<string, GraphHandler<Route>>>)[
		call.method
	];
	if (!handler) throw methodNotAllowed(Object.keys(HANDLERS[route.kind]));
	authorize(route, call.method, claims);
	requireTenantKind(route, tenant);
	const ownOrigins = [
		...new Set([call.origin, context.emulatorUrl].map((origin) => origin.toLowerCase())),
	];
	const request: GraphRequest = {
		route,
		version,
		tenant,
		call,
		pageSize: context.pageSize,
		ownOrigins,
	};
	return handler(request);
}

/**
 * Graph documents that every step of a $batch counts against the limits. Assumed (not documented): the $batch
 * POST itself does not count; only its steps do.
 */
function answerBatchEndpoint(
	call: IncomingCall,
	version: GraphVersion,
	ids: RequestIds,
	context: GraphContext,
): EmulatorResponse {
	if (call.method !== 'POST') throw methodNotAllowed(['POST']);
	return answerBatch(call, { version, batchId: ids.requestId, runStep: context.runBatchStep });
}

function admitWithinBudget(claims: AccessTokenClaims, context: GraphContext): void {
	const retryAfter = context.admit(claims.tid, claims.appid);
	if (retryAfter === undefined) return;
	const [code, message] = FAULT_CODES[429];
	throw new GraphError(429, code, message, { 'Retry-After': retryAfter });
}

/** Segments of the raw path, each percent-decoded once: an encoded '/' stays inside its segment. */
function pathSegments(rawPath: string): string[] {
	const rawSegments = rawPath.split('/').slice(1);
	if (rawSegments.length > 1 && rawSegments[rawSegments.length - 1] === '') rawSegments.pop();
	return rawSegments.map((raw) => {
		const segment = decodeSegment(raw);
		if (segment === undefined)
			throw badRequest(`The segment '${raw}' is not valid percent-encoding.`);
		return segment;
	});
}

function authenticate(call: IncomingCall, tokens: AccessTokenIssuer): AccessTokenClaims {
	const token = /^Bearer\s+(\S+)\s*$/i.exec(call.headers.authorization ?? '')?.[1];
	if (!token) throw unauthenticated('Access token is empty.');
	const check = tokens.check(token);
	if (!check.valid) throw unauthenticated(TOKEN_REJECTIONS[check.reason]);
	return check.claims;
}

function unauthenticated(message: string): GraphError {
	return new GraphError(401, 'InvalidAuthenticationToken', message, {
		'WWW-Authenticate': WWW_AUTHENTICATE,
	});
}

function rejectUnsupportedQueryOptions(call: IncomingCall): void {
	const unsupported = Object.keys(call.query).find(
		(key) => key.startsWith('$') && !SUPPORTED_SYSTEM_QUERY_OPTIONS.includes(key),
	);
	if (unsupported !== undefined)
		throw badRequest(`The emulator does not implement the query option '${unsupported}'.`);
}

/**
 * Resolves identity/... to a route. Navigation names match case-insensitively, as Graph's do (ids keep
 * their case); OData key syntax b2xUserFlows('id') is accepted as well as b2xUserFlows/id.
 */
function resolveRoute(version: GraphVersion, rawSegments: string[]): Route {
	const segments = rawSegments.flatMap(splitKeySegment);
	const [identity, collection, ...rest] = segments;
	if (!sameName(identity, 'identity')) throw unknownSegment(identity ?? '');
	if (collection === undefined)
		throw badRequest('The emulator only implements collections under /identity.');
	if (sameName(collection, 'apiConnectors')) return resolveConnectorRoute(rest);
	const flowKind = (Object.keys(FLOW_KINDS) as UserFlowKind[]).find(
		(kind) =>
			sameName(collection, FLOW_KINDS[kind].collection) &&
			FLOW_KINDS[kind].versions.includes(version),
	);
	if (!flowKind) throw unknownSegment(collection);
	return resolveFlowRoute(flowKind, rest);
}

function resolveFlowRoute(flowKind: UserFlowKind, segments: string[]): Route {
	const [flowId, navigation, step, reference, ...extra] = segments;
	if (flowId === undefined) return { kind: 'userFlows', flowKind };
	if (navigation === undefined) return { kind: 'userFlow', flowKind, flowId };
	if (sameName(navigation, 'identityProviders')) {
		if (step !== undefined) throw unknownSegment(step);
		return { kind: 'userFlowIdentityProviders', flowKind, flowId };
	}
	if (!sameName(navigation, 'apiConnectorConfiguration')) throw unknownSegment(navigation);
	if (step === undefined) return { kind: 'apiConnectorConfiguration', flowKind, flowId };
	const knownStep = FLOW_KINDS[flowKind].steps.find((name) => sameName(step, name));
	if (!knownStep) throw unknownSegment(step);
	if (reference === undefined)
		return { kind: 'apiConnectorStep', flowKind, flowId, step: knownStep };
	if (reference !== '$ref' || extra.length > 0)
		throw unknownSegment(reference !== '$ref' ? reference : extra[0]);
	return { kind: 'apiConnectorStepRef', flowKind, flowId, step: knownStep };
}

/** Connector ids are GUIDs; Graph rejects anything else before looking (assumed wording). */
function resolveConnectorRoute(segments: string[]): Route {
	const [connectorId, action, ...extra] = segments;
	if (connectorId === undefined) return { kind: 'apiConnectors' };
	if (!isGuid(connectorId))
		throw new GraphError(400, 'Request_BadRequest', `Invalid object identifier '${connectorId}'.`);
	if (action === undefined) return { kind: 'apiConnector', connectorId };
	const isUpload =
		sameName(action, 'uploadClientCertificate') ||
		sameName(action, 'microsoft.graph.uploadClientCertificate');
	if (!isUpload || extra.length > 0) throw unknownSegment(isUpload ? extra[0] : action);
	return { kind: 'uploadClientCertificate', connectorId };
}

/** name('key') -> [name, key]; a quote inside the key is doubled, as OData writes it. */
function splitKeySegment(segment: string): string[] {
	const match = /^([A-Za-z0-9.]+)\('((?:[^']|'')*)'\)$/.exec(segment);
	return match ? [match[1], match[2].replace(/''/g, "'")] : [segment];
}

function sameName(segment: string | undefined, name: string): boolean {
	return segment?.toLowerCase() === name.toLowerCase();
}

/** Assumed: Graph answers a method a resource does not support with 405 and the directory's wording. */
function methodNotAllowed(allowed: string[]): GraphError {
	return new GraphError(
		405,
		'Request_BadRequest',
		'Specified HTTP method is not allowed for the request target.',
		{ Allow: allowed.join(', ') },
	);
}

/** Application permissions: Read.All or ReadWrite.All of the resource family, ReadWrite for anything but GET. */
function authorize(route: Route, method: string, claims: AccessTokenClaims): void {
	const family = 'flowKind' in route ? 'IdentityUserFlow' : 'APIConnectors';
	const sufficient =
		method === 'GET'
			? [`${family}.Read.All`, `${family}.ReadWrite.All`]
			: [`${family}.ReadWrite.All`];
	if (!(claims.roles ?? []).some((role) => sufficient.includes(role))) {
		throw new GraphError(
			403,
			'Authorization_RequestDenied',
			'Insufficient privileges to complete the operation.',
		);
	}
}

/** b2x flows live in External ID tenants, b2c flows in Azure AD B2C tenants (assumed code and wording). */
function requireTenantKind(route: Route, tenant: Tenant): void {
	if (!('flowKind' in route)) return;
	const expected = route.flowKind === 'b2x' ? 'externalId' : 'b2c';
	if (tenant.kind !== expected) {
		const collection = FLOW_KINDS[route.flowKind].collection;
		const where =
			expected === 'b2c'
				? 'an Azure AD B2C tenant'
				: 'a Microsoft Entra External ID (workforce or external) tenant';
		throw new GraphError(
			403,
			'AccessDenied',
			`${collection} are only available in ${where}; '${tenant.domain}' is not one.`,
		);
	}
}

function withGraphHeaders(response: EmulatorResponse, ids: RequestIds): EmulatorResponse {
	const headers: Record<string, string> = {
		'request-id': ids.requestId,
		'client-request-id': ids.clientRequestId,
		'x-ms-ags-diagnostic': JSON.stringify({
			ServerInfo: {
				DataCenter: 'Emulator',
				Slice: 'E',
				Ring: '0',
				ScaleUnit: '000',
				RoleInstance: 'emulator',
				ADSiteName: 'LOCAL',
			},
		}),
		'Strict-Transport-Security': 'max-age=31536000',
		...response.headers,
	};
	if (response.body !== undefined) {
		headers['Content-Type'] =
			'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
	}
	return { ...response, headers };
}

function graphErrorResponse(error: GraphError, ids: RequestIds): EmulatorResponse {
	const body = {
		error: {
			code: error.code,
			message: error.message,
			innerError: {
				date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
				'request-id': ids.requestId,
				'client-request-id': ids.clientRequestId,
			},
		},
	};
	return withGraphHeaders({ status: error.status, headers: error.headers, body }, ids);
}
