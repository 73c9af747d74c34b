import type { ICredentialDataDecryptedObject, IHttpRequestOptions } from 'n8n-workflow';

import {
	readSettings,
	resolveEndpoints,
	type EntraAppSettings,
	type EntraEndpoints,
} from './settings';
import { acquireGraphToken, forgetToken, registrationKey } from './tokenProvider';

/** Same rule as axios: a relative url is appended to baseURL. */
function requestUrl(options: IHttpRequestOptions): string {
	if (!options.baseURL) return options.url;
	return `${options.baseURL.replace(/\/+$/, '')}/${options.url.replace(/^\/+/, '')}`;
}

/**
 * The app registration of a credential as it talks to Graph: its settings and endpoints, read once from n8n's
 * decrypted data (the node keeps one per run), and the token that only the configured Graph root gets.
 */
export class GraphApp {
	readonly settings: EntraAppSettings;

	readonly endpoints: EntraEndpoints;

	private readonly tokenKey: string;

	/** Throws EntraSettingsError, naming the field to fix, for a credential whose fields are wrong. */
	constructor(data: ICredentialDataDecryptedObject) {
		this.settings = readSettings(data);
		this.endpoints = resolveEndpoints(this.settings);
		this.tokenKey = registrationKey(this.settings);
	}

	/**
	 * Adds the app's Graph token to a request for the configured Graph root (same origin, same version), and
	 * refuses any other URL. The credential's `authenticate` (n8n's request helper, the Test button) and the
	 * node's own connections both come here.
	 */
	async authorize(requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
		const { graphOrigin, graphBaseUrl } = this.endpoints;
		const target = requestUrl(requestOptions);
		const url = URL.canParse(target) ? new URL(target) : undefined;
		if (
			url?.origin !== graphOrigin ||
			!`${url.origin}${url.pathname}`.startsWith(`${graphBaseUrl}/`)
		) {
			throw new Error(
				`Refusing to send the Microsoft Graph token to ${target.split('?')[0]}: only ${graphBaseUrl}/ is allowed`,
			);
		}
		const token = await acquireGraphToken(this.settings, this.tokenKey);
		return {
			...requestOptions,
			headers: { ...requestOptions.headers, Authorization: `Bearer ${token}` },
		};
	}

	/**
	 * After Graph refused the token of a request sent at `sentAt` (401): the next request gets a fresh one,
	 * fetched once for all the requests that met the same 401.
	 */
	async forgetToken(sentAt: number): Promise<void> {
		await forgetToken(this.settings, this.tokenKey, sentAt);
	}
}
