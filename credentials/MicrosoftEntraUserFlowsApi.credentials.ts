import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

import { NATIONAL_CLOUDS } from './entra/clouds';
import { GraphApp } from './entra/graphApp';

export class MicrosoftEntraUserFlowsApi implements ICredentialType {
	name = 'microsoftEntraUserFlowsApi';

	displayName = 'Microsoft Entra User Flows API';

	icon: Icon = {
		light: 'file:microsoftEntraUserFlows.svg',
		dark: 'file:microsoftEntraUserFlows.dark.svg',
	};

	documentationUrl = 'https://learn.microsoft.com/en-us/graph/auth-v2-service';

	properties: INodeProperties[] = [
		{
			displayName: 'Tenant ID',
			name: 'tenantId',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. contoso.onmicrosoft.com or 00000000-0000-0000-0000-000000000000',
			description:
				'Directory (tenant) ID of the External ID or B2C tenant, or one of its verified domains',
		},
		{
			displayName: 'Client ID',
			name: 'clientId',
			type: 'string',
			default: '',
			required: true,
			placeholder: '00000000-0000-0000-0000-000000000000',
			description:
				'Application (client) ID of the app registration. It needs the application permissions IdentityUserFlow.ReadWrite.All and APIConnectors.ReadWrite.All, with admin consent.',
		},
		{
			displayName: 'Authentication',
			name: 'authenticationMethod',
			type: 'options',
			options: [
				{ name: 'Client Secret', value: 'clientSecret' },
				{ name: 'Client Certificate', value: 'clientCertificate' },
			],
			default: 'clientSecret',
		},
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: "The secret's Value (not its Secret ID) from Certificates & secrets",
			displayOptions: { show: { authenticationMethod: ['clientSecret'] } },
		},
		{
			displayName: 'Certificate',
			name: 'publicCertificate',
			type: 'string',
			typeOptions: { rows: 4 },
			default: '',
			required: true,
			placeholder: '-----BEGIN CERTIFICATE-----',
			description:
				'PEM of the certificate uploaded to the app registration (its chain may follow it)',
			displayOptions: { show: { authenticationMethod: ['clientCertificate'] } },
		},
		{
			displayName: 'Private Key',
			name: 'privateKey',
			type: 'string',
			typeOptions: { password: true, rows: 4 },
			default: '',
			required: true,
			placeholder: '-----BEGIN PRIVATE KEY-----',
			description: "PEM of the certificate's RSA private key",
			displayOptions: { show: { authenticationMethod: ['clientCertificate'] } },
		},
		{
			displayName: 'Private Key Passphrase',
			name: 'privateKeyPassphrase',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'Only for an encrypted private key',
			displayOptions: { show: { authenticationMethod: ['clientCertificate'] } },
		},
		{
			displayName: 'Send Certificate Chain',
			name: 'sendX5c',
			type: 'boolean',
			default: false,
			description:
				'Whether to send the certificate chain (x5c), needed for subject name and issuer authentication',
			displayOptions: { show: { authenticationMethod: ['clientCertificate'] } },
		},
		{
			displayName: 'National Cloud',
			name: 'cloud',
			type: 'options',
			options: Object.entries(NATIONAL_CLOUDS).map(([value, cloud]) => ({
				name: cloud.displayName,
				value,
				description: `${cloud.graphHost}, ${cloud.authorityHost}`,
			})),
			default: 'global',
		},
		{
			displayName: 'Graph API Version',
			name: 'graphVersion',
			type: 'options',
			options: [
				{ name: 'v1.0', value: 'v1.0' },
				{
					name: 'Beta',
					value: 'beta',
					description: 'Needed for Azure AD B2C user flows and the preTokenIssuance step',
				},
			],
			default: 'v1.0',
		},
		{
			displayName: 'Use Custom Endpoints',
			name: 'useCustomEndpoints',
			type: 'boolean',
			default: false,
			description:
				'Whether to send token and Graph requests to other hosts, such as a proxy or the local Graph emulator. Both must be https. The bearer token is only ever sent to the Graph Base URL.',
		},
		{
			displayName: 'Authority Host',
			name: 'authorityHost',
			type: 'string',
			default: '',
			placeholder: 'https://login.example.com',
			displayOptions: { show: { useCustomEndpoints: [true] } },
		},
		{
			displayName: 'Graph Base URL',
			name: 'graphBaseUrl',
			type: 'string',
			default: '',
			placeholder: 'https://graph.example.com',
			description: 'Without the version: it is added from Graph API Version',
			displayOptions: { show: { useCustomEndpoints: [true] } },
		},
		{
			displayName: 'Token Request Timeout (Seconds)',
			name: 'authorityTimeoutSeconds',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 30,
			description: 'How long to wait for Entra before the request fails',
		},
	];

	/**
	 * Gets the token itself (no expirable hidden field, so it works in both n8n engines and no token is
	 * ever written to n8n's database) and adds it only to requests for the configured Graph host. A request
	 * with the token never follows a redirect: n8n's helper would, and would send the token along to
	 * another origin under a proxy.
	 *
	 * The Test button is the node's `credentialTest` (testedBy), not a declarative `test` request: n8n's
	 * credential tester follows a test request's redirects and reports failures only by HTTP status.
	 */
	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		return {
			...(await new GraphApp(credentials).authorize(requestOptions)),
			disableFollowRedirect: true,
			sendCredentialsOnCrossOriginRedirect: false,
		};
	}
}
