import { isPlainObject, mediaType, type EmulatorResponse, type IncomingCall } from './http';
import type {
	ApiConnector,
	ConnectorAuthentication,
	ConnectorCertificate,
	ConnectorStep,
	Tenant,
	UserFlow,
	UserFlowKind,
} from './state';

export type GraphVersion = 'v1.0' | 'beta';

/** Where Graph's @odata.context URLs point; the emulator keeps Microsoft's host there, as in the docs. */
const METADATA_HOST = 'https://graph.microsoft.com';

export interface FlowKindSpec {
	collection: 'b2xUserFlows' | 'b2cUserFlows';
	typeName: string;
	versions: readonly GraphVersion[];
	userFlowTypes: readonly string[];
	userFlowTypeVersions: readonly number[];
	prefix: string;
	/** Microsoft documents that b2x ids always get 'B2X_1_'; b2c ids get 'B2C_1_' only when missing. */
	prefixEvenIfPresent: boolean;
	steps: readonly ConnectorStep[];
	/** Writable properties beyond those every flow has. */
	languageProperties: readonly string[];
}

/** The values of the microsoft.graph.userFlowType enumeration that a flow can have. */
export const USER_FLOW_TYPES = [
	'signUp',
	'signIn',
	'signUpOrSignIn',
	'passwordReset',
	'profileUpdate',
	'resourceOwner',
];

export const FLOW_KINDS: Record<UserFlowKind, FlowKindSpec> = {
	b2x: {
		collection: 'b2xUserFlows',
		typeName: 'microsoft.graph.b2xIdentityUserFlow',
		versions: ['v1.0', 'beta'],
		userFlowTypes: ['signUpOrSignIn'],
		userFlowTypeVersions: [1],
		prefix: 'B2X_1_',
		prefixEvenIfPresent: true,
		// preTokenIssuance is a B2C step: self-service sign-up flows do not have it.
		steps: ['postFederationSignup', 'postAttributeCollection'],
		languageProperties: [],
	},
	b2c: {
		collection: 'b2cUserFlows',
		typeName: 'microsoft.graph.b2cIdentityUserFlow',
		versions: ['beta'],
		userFlowTypes: USER_FLOW_TYPES,
		// Assumed: B2C's portal offers versions 1 to 3 (legacy, recommended, preview).
		userFlowTypeVersions: [1, 2, 3],
		prefix: 'B2C_1_',
		prefixEvenIfPresent: false,
		steps: ['postFederationSignup', 'postAttributeCollection', 'preTokenIssuance'],
		languageProperties: ['isLanguageCustomizationEnabled', 'defaultLanguageTag'],
	},
};

export const CONNECTOR_TYPE = 'microsoft.graph.identityApiConnector';
export const CONNECTOR_CONFIGURATION_TYPE = 'microsoft.graph.userFlowApiConnectorConfiguration';

export type FlowRoute = { flowKind: UserFlowKind; flowId: string };

/** A Graph URL resolved to what it names. */
export type Route =
	| { kind: 'userFlows'; flowKind: UserFlowKind }
	| ({ kind: 'userFlow' } & FlowRoute)
	| ({ kind: 'userFlowIdentityProviders' } & FlowRoute)
	| ({ kind: 'apiConnectorConfiguration' } & FlowRoute)
	| ({ kind: 'apiConnectorStep'; step: ConnectorStep } & FlowRoute)
	| ({ kind: 'apiConnectorStepRef'; step: ConnectorStep } & FlowRoute)
	| { kind: 'apiConnectors' }
	| { kind: 'apiConnector'; connectorId: string }
	| { kind: 'uploadClientCertificate'; connectorId: string };

export interface GraphRequest<R extends Route = Route> {
	route: R;
	version: GraphVersion;
	tenant: Tenant;
	call: IncomingCall;
	pageSize: number;
	/** Origins under which this emulator is reachable; @odata.id references may name them. */
	ownOrigins: string[];
}

export type GraphHandler<R extends Route> = (request: GraphRequest<R>) => EmulatorResponse;
export type HandlerTable<K extends Route['kind']> = {
	[Kind in K]: Partial<Record<string, GraphHandler<Extract<Route, { kind: Kind }>>>>;
};

/** A Graph failure; answered as {"error":{"code","message","innerError"}} by the router. */
export class GraphError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
		readonly headers: Record<string, string> = {},
	) {
		super(message);
	}
}

export function badRequest(message: string): GraphError {
	return new GraphError(400, 'BadRequest', message);
}

export function unknownSegment(segment: string): GraphError {
	return badRequest(`Resource not found for the segment '${segment}'.`);
}

export function missingProperty(property: string, typeName: string): GraphError {
	return badRequest(`Could not find a property named '${property}' on type '${typeName}'.`);
}

export function contextUrl(version: GraphVersion, fragment: string): string {
	return `${METADATA_HOST}/${version}/$metadata#${fragment}`;
}

/** The path of a flow in @odata.context fragments and Location headers: b2xUserFlows('B2X_1_x'). */
export function flowPath(flow: UserFlow): string {
	return `identity/${FLOW_KINDS[flow.kind].collection}('${flow.id.replace(/'/g, "''")}')`;
}

export function json(
	status: number,
	body: unknown,
	headers: Record<string, string> = {},
): EmulatorResponse {
	return { status, headers, body };
}

export function noContent(): EmulatorResponse {
	return { status: 204 };
}

/** The request body as a JSON object: 415 unless it is declared JSON, 400 unless it parses to an object. */
export function readJsonObject(call: IncomingCall): Record<string, unknown> {
	const type = mediaType(call.headers);
	if (type !== 'application/json') {
		throw new GraphError(
			415,
			'UnsupportedMediaType',
			`Content-Type must be 'application/json'; got '${call.headers['content-type'] ?? ''}'.`,
		);
	}
	let body: unknown;
	try {
		body = JSON.parse(call.bodyText);
	} catch {
		throw badRequest(
			'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
		);
	}
	if (!isPlainObject(body)) throw badRequest('The request body must be a JSON object.');
	return body;
}

/** OData's answer to a property the type does not declare; '@odata.type' is always allowed. */
export function rejectUnknownProperties(
	body: Record<string, unknown>,
	known: readonly string[],
	typeName: string,
): void {
	const unknown = Object.keys(body).find((key) => key !== '@odata.type' && !known.includes(key));
	if (unknown !== undefined) {
		throw badRequest(
			`The property '${unknown}' does not exist on type '${typeName}'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
		);
	}
}

export function requireNonEmptyString(value: unknown, name: string): string {
	if (typeof value !== 'string' || value.trim() === '')
		throw badRequest(`The property '${name}' is required and must be a non-empty string.`);
	return value;
}

/** The comma-separated items of $expand ('*' and spaces kept as sent). */
export function expandItems(call: IncomingCall): string[] {
	const expand = call.query.$expand;
	return expand === undefined
		? []
		: expand
				.split(',')
				.map((item) => item.trim())
				.filter(Boolean);
}

/** For resources with nothing to expand. */
export function rejectExpand(call: IncomingCall, typeName: string): void {
	const [first] = expandItems(call);
	if (first !== undefined) throw missingProperty(first, typeName);
}

/** $select: keeps the named properties plus id and annotations (names are not validated). */
export function applySelect(
	entity: Record<string, unknown>,
	call: IncomingCall,
): Record<string, unknown> {
	const select = call.query.$select;
	if (select === undefined) return entity;
	const wanted = new Set(['id', ...select.split(',').map((name) => name.trim())]);
	return Object.fromEntries(
		Object.entries(entity).filter(([key]) => wanted.has(key) || key.includes('@odata.')),
	);
}

const MAX_TOP = 999;

/**
 * One page of a collection. $top sets the page size (capped by the server page size); the next page's
 * link is absolute on the origin the client used and carries an opaque $skiptoken.
 */
export function collectionPage(
	items: Record<string, unknown>[],
	request: GraphRequest,
	collectionPath: string,
	contextFragment: string,
): EmulatorResponse {
	const { call } = request;
	const top = parseTop(call.query.$top);
	const limit = Math.min(request.pageSize, top ?? MAX_TOP);
	const offset = parseSkipToken(call.query.$skiptoken);
	const body: Record<string, unknown> = {
		'@odata.context': contextUrl(request.version, contextFragment),
		value: items.slice(offset, offset + limit).map((item) => applySelect(item, call)),
	};
	if (offset + limit < items.length) {
		body['@odata.nextLink'] = nextLink(request, collectionPath, limit, offset + limit);
	}
	return json(200, body);
}

function parseTop(raw: string | undefined): number | undefined {
	if (raw === undefined) return undefined;
	const top = /^\d+$/.test(raw) ? Number(raw) : NaN;
	if (!(top >= 1 && top <= MAX_TOP))
		throw badRequest(
			`Invalid page size specified: '${raw}'. Must be between 1 and ${MAX_TOP} inclusive.`,
		);
	return top;
}

function parseSkipToken(raw: string | undefined): number {
	if (raw === undefined) return 0;
	const match = /^o(\d+)$/.exec(Buffer.from(raw, 'base64url').toString('utf8'));
	if (!match) throw badRequest(`The $skiptoken '${raw}' is not valid.`);
	return Number(match[1]);
}

function nextLink(
	request: GraphRequest,
	collectionPath: string,
	top: number,
	offset: number,
): string {
	const carried = Object.entries(request.call.query).filter(
		([key]) => key !== '$top' && key !== '$skiptoken',
	);
	const parameters = [
		['$top', String(top)],
		...carried,
		['$skiptoken', Buffer.from(`o${offset}`).toString('base64url')],
	];
	const query = parameters.map(
		([key, value]) => `${encodeQueryKey(key)}=${encodeURIComponent(value)}`,
	);
	return `${request.call.origin}/${request.version}/${collectionPath}?${query.join('&')}`;
}

/** Graph writes the '$' of system query options as is, not as %24. */
function encodeQueryKey(key: string): string {
	return key.startsWith('$') ? `$${encodeURIComponent(key.slice(1))}` : encodeURIComponent(key);
}

export function connectorRepresentation(connector: ApiConnector): Record<string, unknown> {
	return {
		id: connector.id,
		displayName: connector.displayName,
		targetUrl: connector.targetUrl,
		authenticationConfiguration: authenticationRepresentation(connector.authentication),
	};
}

/** The basic password is masked; of a certificate, only what pkcs12CertificateInformation declares is shown. */
function authenticationRepresentation(
	authentication: ConnectorAuthentication,
): Record<string, unknown> {
	if (authentication.type === 'basic') {
		return {
			'@odata.type': '#microsoft.graph.basicAuthentication',
			username: authentication.username,
			password: '******',
		};
	}
	const active = activeCertificate(authentication.certificates, new Date());
	return {
		'@odata.type': '#microsoft.graph.clientCertificateAuthentication',
		certificateList: authentication.certificates.map((certificate) => ({
			thumbprint: certificate.thumbprint,
			notAfter: epochSeconds(certificate.notAfter),
			notBefore: epochSeconds(certificate.notBefore),
			isActive: certificate === active,
		})),
	};
}

/**
 * Microsoft: "the active certificate is the most recently uploaded certificate that is not yet expired but
 * whose notBefore time is in the past". Computed at read time, so it changes as certificates age.
 */
function activeCertificate(
	certificates: readonly ConnectorCertificate[],
	now: Date,
): ConnectorCertificate | undefined {
	const valid = certificates.filter(
		(certificate) => certificate.notBefore <= now && now < certificate.notAfter,
	);
	return valid.sort((a, b) => b.uploadedAt - a.uploadedAt)[0];
}

/** pkcs12CertificateInformation dates are NumericDate: whole seconds since 1970, as Microsoft's examples show. */
function epochSeconds(date: Date): number {
	return Math.floor(date.getTime() / 1000);
}
