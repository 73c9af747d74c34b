/**
 * What the node may use of the credential, and nothing more: the credential type's name, its settings and
 * endpoints as read from n8n's decrypted data, the header that carries the token, and forgetting a token
 * that Graph refused. Everything else in this folder is the credential's own.
 */
export { authorizeGraphRequest } from './authorize';
export type { GraphVersion } from './clouds';
export {
	EntraSettingsError,
	readSettings,
	resolveEndpoints,
	type EntraAppSettings,
	type EntraEndpoints,
} from './settings';
export { EntraTokenError } from './tokenErrors';
export { forgetToken } from './tokenProvider';

/** The name of the credential type, as the node's description and n8n's helpers refer to it. */
export const CREDENTIAL_TYPE = 'microsoftEntraUserFlowsApi';
