/**
 * What the node may use of the credential, and nothing more: the credential type's name, the app registration
 * as it talks to Graph (settings, endpoints, the token header, forgetting a refused token), and the two errors
 * that say why no token could be had. Everything else in this folder is the credential's own.
 */
export type { GraphVersion } from './clouds';
export { GraphApp } from './graphApp';
export { EntraSettingsError, type EntraAppSettings, type EntraEndpoints } from './settings';
export { EntraTokenError } from './tokenErrors';

/** The name of the credential type, as the node's description and n8n's helpers refer to it. */
export const CREDENTIAL_TYPE = 'microsoftEntraUserFlowsApi';
