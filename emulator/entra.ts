import {
	constants,
	createHmac,
	randomBytes,
	randomUUID,
	timingSafeEqual,
	verify,
} from 'node:crypto';

import {
	base64UrlJson,
	decodeSegment,
	mediaType,
	nowSeconds,
	parseBase64UrlJson,
	type ClientAssertionSummary,
	type EmulatorResponse,
	type IncomingCall,
} from './http';
import type { AppRegistration, EmulatorState, Tenant } from './state';

/** The Microsoft Graph resources of the four clouds; a client-credentials scope is one of these + '/.default'. */
export const GRAPH_RESOURCES = [
	'https://graph.microsoft.com',
	'https://graph.microsoft.us',
	'https://dod-graph.microsoft.us',
	'https://microsoftgraph.chinacloudapi.cn',
];

const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Entra ignores these OpenID Connect scopes next to a resource's /.default (assumed for client credentials). */
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);
/** Clock skew tolerated on a client assertion's nbf (assumed, as Entra's five minutes). */
const ASSERTION_SKEW_SECONDS = 300;

export interface AccessTokenClaims {
	aud: string;
	iss: string;
	iat: number;
	nbf: number;
	exp: number;
	tid: string;
	appid: string;
	roles?: string[];
	idtyp: 'app';
	jti: string;
}

export type TokenCheck =
	| { valid: true; claims: AccessTokenClaims }
	| { valid: false; reason: 'malformed' | 'signature' | 'expired' | 'revoked' | 'audience' };

/** Issues and checks the emulator's Graph access tokens: HS256 JWTs under a key of this emulator only. */
export class AccessTokenIssuer {
	private readonly key = randomBytes(32);
	/** jti of every token still honoured; revokeAll() empties it. */
	private readonly liveTokenIds = new Set<string>();

	constructor(private readonly lifetimeSeconds: number) {}

	issue(app: AppRegistration, resource: string): { accessToken: string; expiresIn: number } {
		const issuedAt = nowSeconds();
		const claims: AccessTokenClaims = {
			aud: resource,
			iss: `https://sts.windows.net/${app.tenantId}/`,
			iat: issuedAt,
			nbf: issuedAt,
			exp: issuedAt + this.lifetimeSeconds,
			tid: app.tenantId,
			appid: app.clientId,
			// Entra leaves the claim out when the app holds no application permission.
			...(app.roles.length > 0 ? { roles: [...app.roles] } : {}),
			idtyp: 'app',
			jti: randomUUID(),
		};
		this.liveTokenIds.add(claims.jti);
		const unsigned = `${base64UrlJson({ typ: 'JWT', alg: 'HS256' })}.${base64UrlJson(claims)}`;
		return { accessToken: `${unsigned}.${this.sign(unsigned)}`, expiresIn: this.lifetimeSeconds };
	}

	check(token: string): TokenCheck {
		const [header, payload, signature, ...rest] = token.split('.');
		if (signature === undefined || rest.length > 0) return { valid: false, reason: 'malformed' };
		const expected = Buffer.from(this.sign(`${header}.${payload}`));
		const actual = Buffer.from(signature);
		if (expected.length !== actual.length || !timingSafeEqual(expected, actual))
			return { valid: false, reason: 'signature' };
		const claims = parseBase64UrlJson(payload) as AccessTokenClaims | undefined;
		if (!claims) return { valid: false, reason: 'malformed' };
		if (claims.exp <= nowSeconds()) return { valid: false, reason: 'expired' };
		if (!this.liveTokenIds.has(claims.jti)) return { valid: false, reason: 'revoked' };
		if (!GRAPH_RESOURCES.includes(claims.aud)) return { valid: false, reason: 'audience' };
		return { valid: true, claims };
	}

	revokeAll(): void {
		this.liveTokenIds.clear();
	}

	private sign(unsigned: string): string {
		return createHmac('sha256', this.key).update(unsigned).digest('base64url');
	}
}

export interface EntraContext {
	state: EmulatorState;
	tokens: AccessTokenIssuer;
	/** The emulator's configured URL, accepted as a client assertion audience next to the request's own origin. */
	emulatorUrl: string;
}

/** An Entra failure; answered in Entra's error shape by entraErrorResponse(). */
export class EntraError extends Error {
	constructor(
		readonly status: number,
		readonly error: string,
		readonly aadsts: number,
		readonly description: string,
	) {
		super(`AADSTS${aadsts}: ${description}`);
	}
}

export function isTokenEndpoint(method: string, rawPath: string): boolean {
	return method === 'POST' && /^\/[^/]+\/oauth2\/v2\.0\/token$/.test(rawPath);
}

/** Answers the Entra routes; undefined when the path is not one of them. */
export function handleEntraRequest(
	call: IncomingCall,
	context: EntraContext,
): EmulatorResponse | undefined {
	const match =
		/^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token|discovery\/v2\.0\/keys)$/.exec(
			call.rawPath,
		);
	if (!match) return undefined;
	const [, tenantSegment, endpoint] = match;
	const tenantName = decodeSegment(tenantSegment) ?? tenantSegment;
	try {
		const tenant = context.state.tenant(tenantName);
		call.record.tenantId = tenant?.id ?? tenantName;
		if (!tenant) throw tenantNotFound(tenantName);
		if (endpoint.startsWith('oauth2')) return tokenEndpoint(call, tenant, context);
		requireMethod(call, 'GET');
		// Access tokens are HS256 under a private key, so there is no public key to publish.
		if (endpoint.startsWith('discovery')) return entraJson(200, { keys: [] });
		return entraJson(200, openIdConfiguration(call.origin, tenant));
	} catch (error) {
		if (error instanceof EntraError) return entraErrorResponse(call, error);
		throw error;
	}
}

function tenantNotFound(tenantName: string): EntraError {
	return new EntraError(
		400,
		'invalid_tenant',
		90002,
		`Tenant '${tenantName}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
	);
}

function requireMethod(call: IncomingCall, method: string): void {
	if (call.method !== method) {
		throw new EntraError(
			400,
			'invalid_request',
			900561,
			`The endpoint only accepts ${method}, OPTIONS requests. Received a ${call.method} request.`,
		);
	}
}

function openIdConfiguration(origin: string, tenant: Tenant): Record<string, unknown> {
	const base = `${origin}/${tenant.id}`;
	return {
		token_endpoint: `${base}/oauth2/v2.0/token`,
		// Only what the emulator implements; Entra also lists client_secret_basic.
		token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt'],
		jwks_uri: `${base}/discovery/v2.0/keys`,
		response_modes_supported: ['query', 'fragment', 'form_post'],
		subject_types_supported: ['pairwise'],
		id_token_signing_alg_values_supported: ['RS256'],
		response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
		scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
		issuer: `${base}/v2.0`,
		request_uri_parameter_supported: false,
		authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
		device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
		end_session_endpoint: `${base}/oauth2/v2.0/logout`,
		tenant_region_scope: 'EU',
		cloud_instance_name: 'microsoftonline.com',
		msgraph_host: 'graph.microsoft.com',
	};
}

function tokenEndpoint(
	call: IncomingCall,
	tenant: Tenant,
	context: EntraContext,
): EmulatorResponse {
	requireMethod(call, 'POST');
	const form = readTokenForm(call);
	const clientId = requireParameter(form, 'client_id');
	call.record.clientId = clientId;
	const grantType = requireParameter(form, 'grant_type');
	if (grantType !== 'client_credentials') {
		throw new EntraError(
			400,
			'unsupported_grant_type',
			70003,
			`The app requested an unsupported grant type '${grantType}'.`,
		);
	}
	const resource = graphResourceOf(requireParameter(form, 'scope'));
	const app = tenant.app(clientId);
	if (!app) {
		throw new EntraError(
			400,
			'unauthorized_client',
			700016,
			`Application with identifier '${clientId}' was not found in the directory '${tenant.domain}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
		);
	}
	authenticateClient(call, form, app, context);
	const { accessToken, expiresIn } = context.tokens.issue(app, resource);
	return entraJson(200, {
		token_type: 'Bearer',
		expires_in: expiresIn,
		ext_expires_in: expiresIn,
		access_token: accessToken,
	});
}

function readTokenForm(call: IncomingCall): URLSearchParams {
	// Entra reads nothing from a body that is not form-encoded, so it reports the first missing parameter.
	return new URLSearchParams(
		mediaType(call.headers) === 'application/x-www-form-urlencoded' ? call.bodyText : '',
	);
}

function requireParameter(form: URLSearchParams, name: string): string {
	const value = form.get(name);
	if (!value) {
		throw new EntraError(
			400,
			'invalid_request',
			900144,
			`The request body must contain the following parameter: '${name}'.`,
		);
	}
	return value;
}

/** Client credentials need exactly one '<resource>/.default' scope; only Graph's resources are known here. */
function graphResourceOf(scope: string): string {
	const resourceScopes = scope.split(/\s+/).filter((value) => value && !OIDC_SCOPES.has(value));
	const resource =
		resourceScopes.length === 1 ? resourceScopes[0].replace(/\/\.default$/, '') : undefined;
	if (
		resource &&
		resourceScopes[0].endsWith('/.default') &&
		GRAPH_RESOURCES.includes(resource.toLowerCase())
	) {
		return resource.toLowerCase();
	}
	throw new EntraError(
		400,
		'invalid_scope',
		1002012,
		`The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
	);
}

function authenticateClient(
	call: IncomingCall,
	form: URLSearchParams,
	app: AppRegistration,
	context: EntraContext,
): void {
	const assertionType = form.get('client_assertion_type');
	if (assertionType !== null) {
		authenticateWithAssertion(call, form, app, context);
		return;
	}
	const secret = form.get('client_secret');
	if (secret === null) {
		throw new EntraError(
			401,
			'invalid_client',
			7000218,
			"The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
		);
	}
	authenticateWithSecret(app, secret);
}

function authenticateWithSecret(app: AppRegistration, secret: string): void {
	if (app.clientSecret === undefined || !sameText(app.clientSecret, secret)) {
		throw new EntraError(
			401,
			'invalid_client',
			7000215,
			`Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
		);
	}
	if (app.secretExpired) {
		throw new EntraError(
			401,
			'invalid_client',
			7000222,
			`The provided client secret keys for app '${app.clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
		);
	}
}

function sameText(expected: string, actual: string): boolean {
	const a = Buffer.from(expected);
	const b = Buffer.from(actual);
	return a.length === b.length && timingSafeEqual(a, b);
}

function authenticateWithAssertion(
	call: IncomingCall,
	form: URLSearchParams,
	app: AppRegistration,
	context: EntraContext,
): void {
	if (form.get('client_assertion_type') !== JWT_BEARER_ASSERTION) {
		throw assertionFailure(app, `client_assertion_type must be '${JWT_BEARER_ASSERTION}'`);
	}
	const assertion = parseAssertion(requireParameter(form, 'client_assertion'), app);
	call.record.clientAssertion = assertion.summary;
	verifyAssertionKey(assertion, app);
	verifyAssertionClaims(assertion, app, assertionAudiences(call, context, app));
}

interface ParsedAssertion {
	header: Record<string, unknown>;
	claims: Record<string, unknown>;
	signedPart: string;
	signature: Buffer;
	summary: ClientAssertionSummary;
}

function parseAssertion(jwt: string, app: AppRegistration): ParsedAssertion {
	const parts = jwt.split('.');
	const header = parseBase64UrlJson(parts[0] ?? '');
	const claims = parseBase64UrlJson(parts[1] ?? '');
	if (parts.length !== 3 || !header || !claims)
		throw assertionFailure(app, 'The client assertion is not a well-formed JWT.');
	const thumbprintHeader = 'x5t#S256' in header ? 'x5t#S256' : 'x5t' in header ? 'x5t' : 'none';
	return {
		header,
		claims,
		signedPart: `${parts[0]}.${parts[1]}`,
		signature: Buffer.from(parts[2], 'base64url'),
		summary: { alg: String(header.alg), thumbprintHeader, sentCertificateChain: 'x5c' in header },
	};
}

function verifyAssertionKey(assertion: ParsedAssertion, app: AppRegistration): void {
	const { header, summary } = assertion;
	if (summary.alg !== 'PS256' && summary.alg !== 'RS256') {
		throw assertionFailure(
			app,
			`The signing algorithm '${summary.alg}' is not supported; use PS256 or RS256.`,
		);
	}
	if (summary.thumbprintHeader === 'none')
		throw assertionFailure(app, "The JWT header has neither 'x5t#S256' nor 'x5t'.");
	const clientThumbprint = String(header[summary.thumbprintHeader]);
	const certificate = app.certificate;
	const registeredThumbprint =
		summary.thumbprintHeader === 'x5t#S256'
			? certificate?.sha256Thumbprint
			: certificate?.sha1Thumbprint;
	if (!certificate || registeredThumbprint !== clientThumbprint) {
		throw assertionFailure(
			app,
			`The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${hexThumbprint(clientThumbprint)}']`,
		);
	}
	if (app.certificateExpired || certificate.validTo.getTime() <= Date.now()) {
		throw assertionFailure(
			app,
			`The certificate with identifier used to sign the client assertion is expired on application. [Reason - The key used is expired., Thumbprint of key used by client: '${hexThumbprint(clientThumbprint)}']`,
		);
	}
	const key =
		summary.alg === 'PS256'
			? { key: certificate.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
			: certificate.publicKey;
	if (!verify('sha256', Buffer.from(assertion.signedPart), key, assertion.signature)) {
		throw assertionFailure(
			app,
			`Client assertion contains an invalid signature. [Reason - The ${summary.alg} signature does not verify with the registered certificate's public key.]`,
		);
	}
}

/** Entra shows thumbprints as upper-case hex, as the Azure portal does. */
function hexThumbprint(base64Url: string): string {
	return Buffer.from(base64Url, 'base64url').toString('hex').toUpperCase();
}

/** The token endpoint URLs a client may name as the assertion's audience: tenant GUID or domain, on any emulator origin. */
function assertionAudiences(
	call: IncomingCall,
	context: EntraContext,
	app: AppRegistration,
): string[] {
	const tenant = context.state.requireTenant(app.tenantId);
	return [...new Set([call.origin, context.emulatorUrl])].flatMap((origin) =>
		[tenant.id, tenant.domain].map((name) => `${origin}/${name}/oauth2/v2.0/token`.toLowerCase()),
	);
}

function verifyAssertionClaims(
	assertion: ParsedAssertion,
	app: AppRegistration,
	audiences: string[],
): void {
	const { aud, iss, sub, exp, nbf } = assertion.claims;
	if (typeof aud !== 'string' || !audiences.includes(aud.toLowerCase())) {
		throw assertionFailure(
			app,
			`The audience claim '${String(aud)}' is not the token endpoint '${audiences[0]}'.`,
		);
	}
	if (typeof iss !== 'string' || iss.toLowerCase() !== app.clientId.toLowerCase() || iss !== sub) {
		throw assertionFailure(
			app,
			`The iss and sub claims must both be the client id '${app.clientId}'; got iss '${String(iss)}', sub '${String(sub)}'.`,
		);
	}
	const now = nowSeconds();
	if (
		typeof exp !== 'number' ||
		exp <= now ||
		(typeof nbf === 'number' && nbf > now + ASSERTION_SKEW_SECONDS)
	) {
		// Entra reports the time range with its own code, not 700027.
		throw new EntraError(
			401,
			'invalid_client',
			700024,
			`Client assertion is not within its valid time range. Current time: ${new Date(now * 1000).toISOString()}, assertion valid from ${timeClaim(nbf)}, expiry time of assertion ${timeClaim(exp)}.`,
		);
	}
}

function timeClaim(value: unknown): string {
	return typeof value === 'number' ? new Date(value * 1000).toISOString() : 'missing';
}

function assertionFailure(app: AppRegistration, reason: string): EntraError {
	return new EntraError(
		401,
		'invalid_client',
		700027,
		`${reason} Client app ID: '${app.clientId}'.`,
	);
}

function entraJson(
	status: number,
	body: unknown,
	headers: Record<string, string> = {},
): EmulatorResponse {
	return {
		status,
		headers: {
			'Content-Type': 'application/json; charset=utf-8',
			'Cache-Control': 'no-store, no-cache',
			Pragma: 'no-cache',
			...headers,
		},
		body,
	};
}

/** Entra's error body: the AADSTS code leads the description, which ends with trace, correlation and time. */
export function entraErrorResponse(
	call: IncomingCall,
	error: EntraError,
	headers: Record<string, string> = {},
): EmulatorResponse {
	const traceId = randomUUID();
	const correlationId = call.headers['client-request-id'] ?? randomUUID();
	const timestamp = new Date()
		.toISOString()
		.replace('T', ' ')
		.replace(/\.\d+Z$/, 'Z');
	return entraJson(
		error.status,
		{
			error: error.error,
			error_description: `AADSTS${error.aadsts}: ${error.description}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
			error_codes: [error.aadsts],
			timestamp,
			trace_id: traceId,
			correlation_id: correlationId,
			error_uri: `${call.origin}/error?code=${error.aadsts}`,
		},
		{ 'x-ms-request-id': traceId, 'client-request-id': correlationId, ...headers },
	);
}

/** What an injected status fault on the token endpoint answers (assumed: Entra's transient-error code). */
export function entraFaultError(status: number): EntraError {
	return new EntraError(
		status,
		'temporarily_unavailable',
		90033,
		'A transient error has occurred. Please try again.',
	);
}
