import { EntraSettingsError, type EntraAppSettings } from './settings';

/*
 * Why no token could be had, said without a secret: Entra's AADSTS codes with what to do about them, and
 * network failures of the authority named as such.
 */

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

/** Accepts PEM pasted with real or escaped ("\n") line breaks, and Windows line endings. */
export function normalisePem(value: string | undefined): string {
	return (value ?? '').replace(/\\n/g, '\n').replace(/\r\n?/g, '\n').trim();
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
export async function describeFailure(
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
