/** The national clouds Microsoft Graph runs in, with their Entra authority and Graph hosts. */
export const NATIONAL_CLOUDS = {
	global: {
		displayName: 'Global',
		authorityHost: 'https://login.microsoftonline.com',
		graphHost: 'https://graph.microsoft.com',
	},
	usGovL4: {
		displayName: 'US Government L4',
		authorityHost: 'https://login.microsoftonline.us',
		graphHost: 'https://graph.microsoft.us',
	},
	usGovL5: {
		displayName: 'US Government L5 (DoD)',
		authorityHost: 'https://login.microsoftonline.us',
		graphHost: 'https://dod-graph.microsoft.us',
	},
	china: {
		displayName: 'China (21Vianet)',
		authorityHost: 'https://login.chinacloudapi.cn',
		graphHost: 'https://microsoftgraph.chinacloudapi.cn',
	},
} as const;

export type NationalCloud = keyof typeof NATIONAL_CLOUDS;
export type GraphVersion = 'v1.0' | 'beta';
export const GRAPH_VERSIONS: readonly GraphVersion[] = ['v1.0', 'beta'];
