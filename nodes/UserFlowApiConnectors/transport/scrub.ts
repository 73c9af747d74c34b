import type { IDataObject } from 'n8n-workflow';

import type { EntraAppSettings } from '../../../credentials/entra';

/*
 * The one scrubber of text that came in a response: Graph, a gateway or a proxy may echo what was sent (the
 * connector password, the .pfx and its password, the Authorization header), and an error page can be megabytes
 * long. Every message and description built from a response goes through scrubText.
 */

/** The longest message an error built from a response gets; the text beyond it is cut. */
export const MAX_MESSAGE_CHARS = 1000;

/** The longest description an error built from a response gets. */
export const MAX_DESCRIPTION_CHARS = 2000;

/** Request body fields that hold a secret: connector passwords, the .pfx (pkcs12Value) and its password. */
const SECRET_FIELD = /password|pkcs12|secret|passphrase|privatekey/i;

/** What must never appear in what the user sees: the credential's secrets and those in the request body. */
export interface SecretsOfRun {
	settings?: Pick<EntraAppSettings, 'clientSecret' | 'privateKey' | 'privateKeyPassphrase'>;
	body?: IDataObject;
}

function bodySecrets(value: unknown, underSecretField: boolean, found: string[]): void {
	if (typeof value === 'string') {
		if (underSecretField) found.push(value);
	} else if (Array.isArray(value)) {
		for (const entry of value) bodySecrets(entry, underSecretField, found);
	} else if (typeof value === 'object' && value !== null) {
		for (const [key, entry] of Object.entries(value)) {
			bodySecrets(entry, underSecretField || SECRET_FIELD.test(key), found);
		}
	}
}

/** Each secret as sent, and as an echo may write it: JSON-escaped, with escaped slashes, URL-encoded, PEM lines. */
function formsOf(secret: string): string[] {
	const normalised = secret.replace(/\\n/g, '\n').replace(/\r\n?/g, '\n').trim();
	const forms = new Set<string>();
	for (const value of [secret, normalised]) {
		const json = JSON.stringify(value).slice(1, -1);
		forms.add(value).add(json).add(json.replace(/\//g, '\\/')).add(encodeURIComponent(value));
	}
	return [...forms];
}

/** The secrets of a request, longest first (a secret that contains another is removed whole). */
export function secretsOf({ settings, body }: SecretsOfRun): string[] {
	const found: string[] = [];
	for (const value of [
		settings?.clientSecret,
		settings?.privateKey,
		settings?.privateKeyPassphrase,
	]) {
		if (value) found.push(value);
	}
	bodySecrets(body, false, found);
	return [...new Set(found.filter((value) => value.length >= 3).flatMap(formsOf))].sort(
		(a, b) => b.length - a.length,
	);
}

const BEARER = /\bBearer\s+[^\s"',;}\]]+/gi;
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]*/g;
// Long runs of base64 or PEM text: a part of a long secret (a .pfx cut by the bound, a PEM line) is a leak too.
const BLOB = /[A-Za-z0-9+/=_-]{24,}/g;

function cut(text: string, max: number): string {
	if (text.length <= max) return text;
	return `${text.slice(0, max)}… (${text.length - max} more characters not shown)`;
}

/**
 * Removes the secrets of this run and anything shaped like a bearer token from a text that came in a
 * response, collapses its white space and bounds it to `max` characters.
 */
export function scrubText(text: string, secrets: string[], max = MAX_MESSAGE_CHARS): string {
	let result = text;
	for (const secret of secrets) {
		if (result.includes(secret)) result = result.split(secret).join('[redacted]');
	}
	result = result
		.replace(BEARER, 'Bearer [redacted]')
		.replace(JWT, '[redacted token]')
		.replace(/\s+/g, ' ')
		.trim();
	result = cut(result, max);
	const long = secrets.filter((secret) => secret.length >= 24);
	if (long.length === 0) return result;
	return result.replace(BLOB, (blob) =>
		long.some((secret) => secret.includes(blob) || secret.replace(/\s+/g, '').includes(blob))
			? '[redacted]'
			: blob,
	);
}

/** Scrubs every string of an object (the details n8n keeps of an API error). */
export function scrubObject<T>(value: T, secrets: string[], max = MAX_MESSAGE_CHARS): T {
	if (typeof value === 'string') return scrubText(value, secrets, max) as T;
	if (Array.isArray(value)) return value.map((entry) => scrubObject(entry, secrets, max)) as T;
	if (typeof value === 'object' && value !== null) {
		return Object.fromEntries(
			Object.entries(value).map(([key, entry]) => [key, scrubObject(entry, secrets, max)]),
		) as T;
	}
	return value;
}
