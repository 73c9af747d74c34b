import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { GRAPH_VERSIONS, NATIONAL_CLOUDS, type GraphVersion, type NationalCloud } from './clouds';

/** The credential's fields, as n8n hands them to `authenticate` and to the node. */
export interface EntraAppSettings {
	tenantId: string;
	clientId: string;
	authenticationMethod: 'clientSecret' | 'clientCertificate';
	clientSecret?: string;
	certificate?: string;
	privateKey?: string;
	privateKeyPassphrase?: string;
	sendCertificateChain?: boolean;
	cloud: NationalCloud;
	graphVersion: GraphVersion;
	useCustomEndpoints?: boolean;
	authorityHost?: string;
	graphBaseUrl?: string;
	tokenTimeoutSeconds?: number;
}

/** Where tokens come from and where Graph requests (and only they) may carry one. */
export interface EntraEndpoints {
	authorityHost: string;
	/** Scheme, host and port of Graph: the only origin a bearer token is ever sent to. */
	graphOrigin: string;
	/** Graph root including the version, without a trailing slash, e.g. https://graph.microsoft.com/v1.0 */
	graphBaseUrl: string;
	graphVersion: GraphVersion;
	/** Client-credentials scope of the cloud's Graph resource. */
	scope: string;
}

/** Thrown for a credential whose fields are wrong before anything is sent. */
export class EntraSettingsError extends Error {
	name = 'EntraSettingsError';
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A verified domain such as contoso.onmicrosoft.com or login.contoso.com.
const DOMAIN = /^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export function isGuid(value: string): boolean {
	return GUID.test(value);
}

function requireHttpsUrl(value: unknown, field: string): URL {
	const text = typeof value === 'string' ? value.trim() : '';
	if (!URL.canParse(text))
		throw new EntraSettingsError(`${field} must be a full https:// URL, got "${text}"`);
	const url = new URL(text);
	if (url.protocol !== 'https:') {
		throw new EntraSettingsError(`${field} must use https://, got "${url.protocol}//${url.host}"`);
	}
	if (url.search || url.hash || url.username || url.password) {
		throw new EntraSettingsError(`${field} must not contain a query, fragment or user info`);
	}
	return url;
}

/** Checks the credential fields and normalises them; throws EntraSettingsError with the field to fix. */
export function readSettings(data: ICredentialDataDecryptedObject): EntraAppSettings {
	const tenantId = String(data.tenantId ?? '').trim();
	const clientId = String(data.clientId ?? '').trim();
	if (!isGuid(tenantId) && !DOMAIN.test(tenantId)) {
		throw new EntraSettingsError(
			`Tenant ID must be the directory (tenant) ID GUID or a verified domain such as contoso.onmicrosoft.com, got "${tenantId}"`,
		);
	}
	if (!isGuid(clientId)) {
		throw new EntraSettingsError(
			`Client ID must be the application (client) ID GUID of the app registration, got "${clientId}"`,
		);
	}
	const cloud = String(data.cloud ?? 'global') as NationalCloud;
	if (!(cloud in NATIONAL_CLOUDS)) {
		throw new EntraSettingsError(`Unknown national cloud "${cloud}"`);
	}
	const graphVersion = String(data.graphVersion ?? 'v1.0') as GraphVersion;
	if (!GRAPH_VERSIONS.includes(graphVersion)) {
		throw new EntraSettingsError(`Graph API version must be v1.0 or beta, got "${graphVersion}"`);
	}
	const authenticationMethod =
		data.authenticationMethod === 'clientCertificate' ? 'clientCertificate' : 'clientSecret';
	const timeout = Number(data.authorityTimeoutSeconds ?? 30);
	return {
		tenantId,
		clientId,
		authenticationMethod,
		clientSecret: typeof data.clientSecret === 'string' ? data.clientSecret : undefined,
		certificate: typeof data.publicCertificate === 'string' ? data.publicCertificate : undefined,
		privateKey: typeof data.privateKey === 'string' ? data.privateKey : undefined,
		privateKeyPassphrase:
			typeof data.privateKeyPassphrase === 'string' && data.privateKeyPassphrase !== ''
				? data.privateKeyPassphrase
				: undefined,
		sendCertificateChain: data.sendX5c === true,
		cloud,
		graphVersion,
		useCustomEndpoints: data.useCustomEndpoints === true,
		authorityHost: typeof data.authorityHost === 'string' ? data.authorityHost : undefined,
		graphBaseUrl: typeof data.graphBaseUrl === 'string' ? data.graphBaseUrl : undefined,
		tokenTimeoutSeconds: Number.isFinite(timeout) && timeout > 0 ? timeout : 30,
	};
}

/** Where tokens come from and where Graph is, from the cloud or the custom endpoints. */
export function resolveEndpoints(settings: EntraAppSettings): EntraEndpoints {
	const cloud = NATIONAL_CLOUDS[settings.cloud];
	// The token is always for the cloud's Graph resource: a custom Graph URL is a proxy or an emulator of it.
	const scope = `${cloud.graphHost}/.default`;
	if (!settings.useCustomEndpoints) {
		return {
			authorityHost: cloud.authorityHost,
			graphOrigin: cloud.graphHost,
			graphBaseUrl: `${cloud.graphHost}/${settings.graphVersion}`,
			graphVersion: settings.graphVersion,
			scope,
		};
	}
	const authority = requireHttpsUrl(settings.authorityHost, 'Authority Host');
	const graph = requireHttpsUrl(settings.graphBaseUrl, 'Graph Base URL');
	const graphPath = graph.pathname.replace(/\/+$/, '');
	return {
		authorityHost: authority.origin,
		graphOrigin: graph.origin,
		graphBaseUrl: `${graph.origin}${graphPath}/${settings.graphVersion}`,
		graphVersion: settings.graphVersion,
		scope,
	};
}
