import type { ICredentialDataDecryptedObject, IHttpRequestOptions } from 'n8n-workflow';

import { readSettings, resolveEndpoints, type EntraAppSettings } from './settings';
import { acquireGraphToken } from './tokenProvider';

// The node hands over the credential it decrypted once per run, so one object serves all of the run's requests.
const settingsByCredential = new WeakMap<ICredentialDataDecryptedObject, EntraAppSettings>();

function settingsOf(credentials: ICredentialDataDecryptedObject): EntraAppSettings {
	let settings = settingsByCredential.get(credentials);
	if (!settings) settingsByCredential.set(credentials, (settings = readSettings(credentials)));
	return settings;
}

/** Same rule as axios: a relative url is appended to baseURL. */
function requestUrl(options: IHttpRequestOptions): string {
	if (!options.baseURL) return options.url;
	return `${options.baseURL.replace(/\/+$/, '')}/${options.url.replace(/^\/+/, '')}`;
}

/** Only https URLs below the configured Graph root (same origin, same version) may carry the token. */
function isForGraph(url: string, graphOrigin: string, graphBaseUrl: string): boolean {
	if (!URL.canParse(url)) return false;
	const target = new URL(url);
	return (
		target.origin === graphOrigin &&
		`${target.origin}${target.pathname}`.startsWith(`${graphBaseUrl}/`)
	);
}

/**
 * Adds the app's Graph token to a request for the configured Graph root, and refuses any other URL. The
 * credential's `authenticate` (n8n's request helper, the Test button) and the node's own connections both use it.
 */
export async function authorizeGraphRequest(
	credentials: ICredentialDataDecryptedObject,
	requestOptions: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
	const settings = settingsOf(credentials);
	const { graphOrigin, graphBaseUrl } = resolveEndpoints(settings);
	const target = requestUrl(requestOptions);
	if (!isForGraph(target, graphOrigin, graphBaseUrl)) {
		throw new Error(
			`Refusing to send the Microsoft Graph token to ${target.split('?')[0]}: only ${graphBaseUrl}/ is allowed`,
		);
	}
	const token = await acquireGraphToken(settings);
	return {
		...requestOptions,
		headers: { ...requestOptions.headers, Authorization: `Bearer ${token}` },
	};
}
