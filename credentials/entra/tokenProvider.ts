import { createHash } from 'node:crypto';

import type { AccessToken, ClientSecretCredentialOptions, TokenCredential } from '@azure/identity';

import { EntraSettingsError, resolveEndpoints, type EntraAppSettings } from './settings';
import { describeFailure, EntraTokenError, normalisePem } from './tokenErrors';

/**
 * One @azure/identity credential object per app registration, for the life of the process: its
 * in-memory token cache then serves every item and every execution, and no token is ever stored by n8n.
 * The key is a hash of everything that identifies the registration (never the secret itself).
 */
interface CachedCredential {
	credential: TokenCredential;
	/** Ends every request of the credential object once it is given up (see stoppedBy). */
	stop: AbortController;
	/** @azure/identity does not merge parallel getToken calls: share the one in flight. */
	inFlight?: Promise<AccessToken | null>;
	/** The last token, handed out without asking MSAL again (its lookup costs more than the rest of a request). */
	token?: AccessToken;
	/** When the last token came (Date.now()). */
	obtainedAt?: number;
}

/** A token is used until five minutes before it expires, or until MSAL's own refresh time if it gives one. */
const TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;

const MAX_CACHED_CREDENTIALS = 64;
// Promises, so that items starting together share the one credential object being created.
const credentials = new Map<string, Promise<CachedCredential>>();

type AzureIdentity = typeof import('@azure/identity');
let azureIdentity: Promise<AzureIdentity> | undefined;

/** Requiring @azure/identity is the largest part of the package's load time: pay it when the first token is needed. */
async function loadAzureIdentity(): Promise<AzureIdentity> {
	azureIdentity ??= import('@azure/identity');
	return await azureIdentity;
}

/** The cache key of an app registration: a hash of everything that identifies it, never the secret itself. */
export function registrationKey(settings: EntraAppSettings): string {
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

type PipelinePolicy = NonNullable<ClientSecretCredentialOptions['additionalPolicies']>[number];

/**
 * getToken's abortSignal does not reach the HTTP requests MSAL makes, so @azure/identity goes on retrying a
 * token request (up to a 60 s Retry-After) after its caller gave up. This policy gives every request of the
 * credential object the signal that ends them when the object is dropped.
 */
function stoppedBy(stop: AbortSignal): PipelinePolicy {
	return {
		position: 'perCall',
		policy: {
			name: 'entraUserFlowsStop',
			sendRequest: async (request, next) => {
				request.abortSignal = request.abortSignal
					? AbortSignal.any([request.abortSignal as AbortSignal, stop])
					: stop;
				return await next(request);
			},
		},
	};
}

async function createCredential(
	settings: EntraAppSettings,
	stop: AbortSignal,
): Promise<TokenCredential> {
	const { authorityHost } = resolveEndpoints(settings);
	const options = {
		additionalPolicies: [stoppedBy(stop)],
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
		const stop = new AbortController();
		entry = createCredential(settings, stop.signal).then((credential) => ({ credential, stop }));
		credentials.set(key, entry);
		// A credential that could not be created (a bad PEM, say) is not kept.
		entry.catch(() => credentials.delete(key));
	}
	return await entry;
}

/**
 * Forgets the registration's credential object and with it its cached token and any throttle state
 * @azure/identity keeps after a 429: the next request starts afresh (used after Graph answers 401). With
 * `refusedRequestSentAt`, only a token older than the refused request is forgotten: when requests in flight
 * all meet 401, the first one's fresh token serves the others.
 */
export async function forgetToken(
	settings: EntraAppSettings,
	key = registrationKey(settings),
	refusedRequestSentAt?: number,
): Promise<void> {
	const entry = credentials.get(key);
	if (!entry) return;
	if (refusedRequestSentAt !== undefined) {
		const cached = await entry.catch(() => undefined);
		const fresh = cached?.obtainedAt === undefined || cached.obtainedAt > refusedRequestSentAt;
		if (cached && fresh) return;
	}
	if (credentials.get(key) === entry) credentials.delete(key);
}

/** Returns a bearer token for Microsoft Graph, from the process-wide cache when it is still valid. */
export async function acquireGraphToken(
	settings: EntraAppSettings,
	key = registrationKey(settings),
): Promise<string> {
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
		entry.obtainedAt = Date.now();
		return token.token;
	} catch (error) {
		// A failed credential object may be throttled or half-initialised: the next attempt starts afresh.
		credentials.delete(key);
		// When another item gave the object up first, its reason is this item's too.
		const earlier: unknown = entry.stop.signal.reason;
		const failure =
			entry.stop.signal.aborted && earlier instanceof Error
				? earlier
				: await describeFailure(error, settings, endpoints.authorityHost);
		entry.stop.abort(failure);
		throw failure;
	} finally {
		clearTimeout(timer);
		entry.inFlight = undefined;
	}
}
