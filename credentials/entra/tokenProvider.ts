import { createHash } from 'node:crypto';

import type { AccessToken, TokenCredential } from '@azure/identity';

import { EntraSettingsError, resolveEndpoints, type EntraAppSettings } from './settings';

/**
 * One @azure/identity credential object per app registration, for the life of the process: its
 * in-memory token cache then serves every item and every execution, and no token is ever stored by n8n.
 * The key is a hash of everything that identifies the registration (never the secret itself).
 */
interface CachedCredential {
	credential: TokenCredential;
	/** @azure/identity does not merge parallel getToken calls: share the one in flight. */
	inFlight?: Promise<AccessToken | null>;
	/** The last token, handed out without asking MSAL again (its lookup costs more than the rest of a request). */
	token?: AccessToken;
}

/** A token is used until five minutes before it expires, or until MSAL's own refresh time if it gives one. */
const TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;

const MAX_CACHED_CREDENTIALS = 64;
// Promises, so that items starting together share the one credential object being created.
const credentials = new Map<string, Promise<CachedCredential>>();

/** Thrown when no token could be had; its message names the cause and holds no secret. */
export class EntraTokenError extends Error {
	name = 'EntraTokenError';
	constructor(
		message: string,
		readonly description: string,
		readonly entraCode?: string,
	) {
		super(message);
	}
}

type AzureIdentity = typeof import('@azure/identity');
let azureIdentity: Promise<AzureIdentity> | undefined;

/** Requiring @azure/identity costs about 155 ms: only pay it when the first token is needed. */
async function loadAzureIdentity(): Promise<AzureIdentity> {
	azureIdentity ??= import('@azure/identity');
	return await azureIdentity;
}

const cacheKeys = new WeakMap<EntraAppSettings, string>();

function cacheKey(settings: EntraAppSettings): string {
	let key = cacheKeys.get(settings);
	if (key === undefined) cacheKeys.set(settings, (key = hashRegistration(settings)));
	return key;
}

function hashRegistration(settings: EntraAppSettings): string {
	const endpoints = resolveEndpoints(settings);
	return createHash('sha256')
		.update(
			JSON.stringify([
				settings.tenantId.toLowerCase(),
				settings.clientId.toLowerCase(),
				settings.authenticationMethod,
				settings.authenticationMethod === 'clientSecret'
					? [settings.clientSecret]
					: [
							settings.certificate,
							settings.privateKey,
							settings.privateKeyPassphrase,
							settings.sendCertificateChain,
						],
				endpoints.authorityHost,
				endpoints.scope,
			]),
		)
		.digest('hex');
}

/** Accepts PEM pasted with real or escaped ("\n") line breaks, and Windows line endings. */
function normalisePem(value: string | undefined): string {
	return (value ?? '').replace(/\\n/g, '\n').replace(/\r\n?/g, '\n').trim();
}

function certificatePem(settings: EntraAppSettings): string {
	const certificate = normalisePem(settings.certificate);
	const privateKey = normalisePem(settings.privateKey);
	if (!/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.test(certificate)) {
		throw new EntraSettingsError(
			'Certificate must be the PEM text of the certificate uploaded to the app registration, from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----',
		);
	}
	if (
		!/-----BEGIN (RSA |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END (RSA |ENCRYPTED )?PRIVATE KEY-----/.test(
			privateKey,
		)
	) {
		throw new EntraSettingsError(
			"Private Key must be the PEM text of the certificate's RSA private key, from -----BEGIN PRIVATE KEY----- to -----END PRIVATE KEY-----",
		);
	}
	if (privateKey.includes('ENCRYPTED PRIVATE KEY') && !settings.privateKeyPassphrase) {
		throw new EntraSettingsError(
			'The private key is encrypted: enter its passphrase in Private Key Passphrase',
		);
	}
	return `${certificate}\n${privateKey}\n`;
}

async function createCredential(settings: EntraAppSettings): Promise<TokenCredential> {
	const { authorityHost } = resolveEndpoints(settings);
	const options = {
		authorityHost,
		// Instance discovery asks login.microsoftonline.com whatever the authority: skip it where the
		// authority is a custom host (a proxy or the local emulator), which it cannot know.
		disableInstanceDiscovery: settings.useCustomEndpoints === true,
	};
	if (settings.authenticationMethod === 'clientCertificate') {
		const pem = certificatePem(settings);
		const { ClientCertificateCredential } = await loadAzureIdentity();
		return new ClientCertificateCredential(
			settings.tenantId,
			settings.clientId,
			{ certificate: pem, certificatePassword: settings.privateKeyPassphrase },
			{ ...options, sendCertificateChain: settings.sendCertificateChain === true },
		);
	}
	if (!settings.clientSecret) {
		throw new EntraSettingsError(
			"Client Secret is empty: enter the secret's Value from the app registration",
		);
	}
	const { ClientSecretCredential } = await loadAzureIdentity();
	return new ClientSecretCredential(
		settings.tenantId,
		settings.clientId,
		settings.clientSecret,
		options,
	);
}

async function cachedCredential(
	settings: EntraAppSettings,
	key: string,
): Promise<CachedCredential> {
	let entry = credentials.get(key);
	if (!entry) {
		if (credentials.size >= MAX_CACHED_CREDENTIALS) {
			// Rotated secrets leave stale entries behind: drop the oldest.
			credentials.delete(credentials.keys().next().value as string);
		}
		entry = createCredential(settings).then((credential) => ({ credential }));
		credentials.set(key, entry);
		// A credential that could not be created (a bad PEM, say) is not kept.
		entry.catch(() => credentials.delete(key));
	}
	return await entry;
}

/**
 * Forgets the registration's credential object and with it its cached token and any throttle state
 * @azure/identity keeps after a 429: the next request starts afresh (used after Graph answers 401).
 */
export function forgetToken(settings: EntraAppSettings): void {
	credentials.delete(cacheKey(settings));
}

function secretsOf(settings: EntraAppSettings): string[] {
	return [settings.clientSecret, settings.privateKey, settings.privateKeyPassphrase]
		.flatMap((value) => (value ? [value, normalisePem(value)] : []))
		.filter((value) => value.length >= 4);
}

/** Removes every secret of the credential (and anything shaped like a JWT) from a text. */
export function redactSecrets(text: string, settings: EntraAppSettings): string {
	let result = text;
	for (const secret of secretsOf(settings)) result = result.split(secret).join('[redacted]');
	return result.replace(/eyJ[\w-]+\.[\w-]+\.[\w-]+/g, '[redacted token]');
}

const ENTRA_HINTS: Record<string, string> = {
	'7000215':
		"Entra rejected the client secret. Enter the secret's Value (not its Secret ID) from Certificates & secrets of the app registration.",
	'7000222':
		'The client secret has expired. Create a new secret in the app registration and update the credential.',
	'90002':
		'The tenant was not found. Check the Tenant ID and that the national cloud matches the tenant.',
	'900023': 'The tenant is not a valid tenant ID or domain. Check the Tenant ID.',
	'700016':
		'No application with this Client ID exists in the tenant. Check the Client ID, the Tenant ID and the national cloud.',
	'700027':
		'Entra rejected the client certificate. Check that this certificate is uploaded to the app registration and has not expired.',
	'700024':
		'The client assertion is not within its valid time range. Check the clock of the n8n host.',
	'7000112': 'The application is disabled in the tenant.',
	'1002012': 'The requested scope is invalid for this cloud. Check the national cloud.',
};

/**
 * MSAL reports a failed OpenID discovery only as "endpoints_resolution_error": ask the authority again
 * ourselves (no secret is involved) to learn Entra's reason, such as AADSTS90002 for an unknown tenant.
 */
async function authorityRefusal(
	authorityHost: string,
	tenantId: string,
): Promise<string | undefined> {
	try {
		const response = await fetch(
			`${authorityHost}/${encodeURIComponent(tenantId)}/v2.0/.well-known/openid-configuration`,
			{
				signal: AbortSignal.timeout(5_000),
			},
		);
		if (response.ok) return undefined;
		const body = (await response.json()) as { error_description?: unknown };
		return typeof body.error_description === 'string'
			? body.error_description
			: `HTTP ${response.status}`;
	} catch (error) {
		return `the authority could not be reached (${(error as Error).message})`;
	}
}

/** Our own errors pass through; anything from @azure/identity becomes an EntraTokenError without secrets. */
async function describeFailure(
	error: unknown,
	settings: EntraAppSettings,
	authorityHost: string,
): Promise<Error> {
	if (error instanceof EntraTokenError || error instanceof EntraSettingsError) return error;
	let raw = redactSecrets(String((error as Error)?.message ?? error), settings);
	if (raw.includes('endpoints_resolution_error')) {
		raw = `${raw} ${(await authorityRefusal(authorityHost, settings.tenantId)) ?? ''}`.trim();
	}
	const code = /AADSTS(\d+)/.exec(raw)?.[1];
	const where = `app ${settings.clientId} in tenant ${settings.tenantId} (${authorityHost})`;
	// Entra's own text is kept for the details, without MSAL's trace and correlation noise.
	const entraText = raw.replace(/\s*Trace ID:[\s\S]*$/, '').trim();
	if (code) {
		const hint = ENTRA_HINTS[code] ?? 'Entra refused the token request.';
		return new EntraTokenError(
			`Could not get a token for ${where}: AADSTS${code}. ${hint}`,
			entraText,
			`AADSTS${code}`,
		);
	}
	if (
		/bad decrypt|unable to load|unsupported|DECODER routines/i.test(raw) &&
		settings.authenticationMethod === 'clientCertificate'
	) {
		return new EntraTokenError(
			`Could not read the private key for ${where}: the Private Key Passphrase is wrong or the key is not an RSA key in PEM form.`,
			entraText,
		);
	}
	const network =
		/ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|socket hang up|certificate|self[- ]signed/i.exec(
			raw,
		);
	if (network) {
		return new EntraTokenError(
			`Could not reach the Entra authority ${authorityHost} for ${where} (${network[0]}). Check the national cloud, the Authority Host and the network path from n8n.`,
			entraText,
		);
	}
	return new EntraTokenError(`Could not get a token for ${where}: ${entraText}`, entraText);
}

/** Returns a bearer token for Microsoft Graph, from the process-wide cache when it is still valid. */
export async function acquireGraphToken(settings: EntraAppSettings): Promise<string> {
	const key = cacheKey(settings);
	const entry = await cachedCredential(settings, key);
	const cached = entry.token;
	if (
		cached &&
		Date.now() <
			(cached.refreshAfterTimestamp ?? cached.expiresOnTimestamp - TOKEN_REFRESH_MARGIN_MS)
	)
		return cached.token;
	const endpoints = resolveEndpoints(settings);
	const timeoutMs = (settings.tokenTimeoutSeconds ?? 30) * 1000;
	const abort = new AbortController();
	let timer: NodeJS.Timeout | undefined;
	// getToken has no timeout of its own: a hanging authority would hold the workflow for minutes.
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => {
			abort.abort();
			reject(
				new EntraTokenError(
					`No token from the Entra authority ${endpoints.authorityHost} within ${timeoutMs / 1000} s for app ${settings.clientId}. Check that the authority is reachable from n8n, or raise Token Request Timeout.`,
					'The token request timed out.',
				),
			);
		}, timeoutMs);
	});
	try {
		entry.inFlight ??= entry.credential.getToken(endpoints.scope, { abortSignal: abort.signal });
		const token = await Promise.race([entry.inFlight, timeout]);
		if (!token?.token) throw new Error('Entra returned no access token');
		entry.token = token;
		return token.token;
	} catch (error) {
		// A failed credential object may be throttled or half-initialised: the next attempt starts afresh.
		credentials.delete(key);
		throw await describeFailure(error, settings, endpoints.authorityHost);
	} finally {
		clearTimeout(timer);
		entry.inFlight = undefined;
	}
}
