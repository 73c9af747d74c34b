import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeProperties,
} from 'n8n-workflow';

import { withoutAnnotations } from './configuration';

export type AuthenticationChoice = 'basic' | 'clientCertificate';

/** Where the .pfx comes from: a binary field of the input item, with its password. */
export const certificateProperties: INodeProperties[] = [
	{
		displayName: 'Input Binary Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		hint: 'The name of the input binary field holding the .pfx (PKCS 12) file',
		description:
			'Binary field of the input item with the client certificate and its private key, for example from a Read Binary File or HTTP Request node',
	},
	{
		displayName: 'Certificate Password',
		name: 'pfxPassword',
		type: 'string',
		typeOptions: { password: true },
		default: '',
		description: 'Password of the .pfx file; Graph never returns it',
	},
];

/**
 * The Authentication choice and the fields each choice needs. Update offers to keep the authentication
 * as it is; Create must choose one.
 */
export function authenticationProperties({
	keepOption,
}: {
	keepOption: boolean;
}): INodeProperties[] {
	const when = (type: AuthenticationChoice) => ({ show: { authenticationType: [type] } });
	const choice: INodeProperties = {
		displayName: 'Authentication',
		name: 'authenticationType',
		type: 'options',
		options: [
			{
				name: 'Basic',
				value: 'basic',
				description: 'HTTP Basic authentication with a username and password',
			},
			{
				name: 'Client Certificate',
				value: 'clientCertificate',
				description: 'A .pfx certificate from a binary field of the input item',
			},
		],
		default: 'basic',
	};
	if (keepOption) {
		choice.options = [{ name: 'Keep Unchanged', value: 'unchanged' }, ...(choice.options ?? [])];
		choice.default = 'unchanged';
	}
	return [
		choice,
		{
			displayName: 'Username',
			name: 'username',
			type: 'string',
			default: '',
			required: true,
			description: 'User name Entra sends with HTTP Basic authentication',
			displayOptions: when('basic'),
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'Password Entra sends with HTTP Basic authentication; Graph never returns it. Prefer an expression that reads it from a secret store.',
			displayOptions: when('basic'),
		},
		...certificateProperties.map((property) => ({
			...property,
			displayOptions: when('clientCertificate'),
		})),
	];
}

function requireText(
	context: IExecuteFunctions,
	itemIndex: number,
	name: string,
	label: string,
): string {
	const value = context.getNodeParameter(name, itemIndex, '') as unknown;
	if (typeof value !== 'string' || value === '') {
		throw new NodeOperationError(context.getNode(), `${label} is empty`, {
			itemIndex,
			description: `Enter the ${label.toLowerCase()}.`,
		});
	}
	return value;
}

/** The .pfx of the item's binary field, base64-encoded, with its password, as Graph takes them. */
export async function readPkcs12(
	context: IExecuteFunctions,
	itemIndex: number,
): Promise<{ pkcs12Value: string; password: string }> {
	const field = requireText(context, itemIndex, 'binaryPropertyName', 'Input Binary Field');
	context.helpers.assertBinaryData(itemIndex, field);
	const pfx = await context.helpers.getBinaryDataBuffer(itemIndex, field);
	if (pfx.length === 0) {
		throw new NodeOperationError(context.getNode(), `The binary field "${field}" is empty`, {
			itemIndex,
			description: 'It must hold the .pfx (PKCS 12) file of the client certificate.',
		});
	}
	return {
		pkcs12Value: pfx.toString('base64'),
		password: context.getNodeParameter('pfxPassword', itemIndex, '') as string,
	};
}

/** authenticationConfiguration for create and update: basicAuthentication or pkcs12Certificate. */
export async function readAuthentication(
	context: IExecuteFunctions,
	itemIndex: number,
	type: AuthenticationChoice,
): Promise<IDataObject> {
	if (type === 'basic') {
		return {
			'@odata.type': '#microsoft.graph.basicAuthentication',
			username: requireText(context, itemIndex, 'username', 'Username'),
			password: requireText(context, itemIndex, 'password', 'Password'),
		};
	}
	return {
		'@odata.type': '#microsoft.graph.pkcs12Certificate',
		...(await readPkcs12(context, itemIndex)),
	};
}

/** Entra calls the API over https only: anything else is refused before a request is sent. */
export function requireTargetUrl(
	context: IExecuteFunctions,
	itemIndex: number,
	value: unknown,
): string {
	const text = typeof value === 'string' ? value.trim() : '';
	if (!URL.canParse(text) || new URL(text).protocol !== 'https:') {
		throw new NodeOperationError(
			context.getNode(),
			`Target URL must be an https:// URL, got "${text.slice(0, 200)}"`,
			{
				itemIndex,
				description:
					'Entra External ID calls API connectors over HTTPS only, for example https://api.contoso.com/signup/validate.',
			},
		);
	}
	return text;
}

const isoDate = (epochSeconds: unknown) =>
	typeof epochSeconds === 'number' ? new Date(epochSeconds * 1000).toISOString() : undefined;

/**
 * The connector as a workflow wants it: without OData annotations, certificate dates also as ISO text,
 * and never a pkcs12Value (Graph masks passwords as ****** itself; that stays as it is).
 */
export function formatConnector(connector: IDataObject): IDataObject {
	const result = withoutAnnotations(connector);
	const authentication = result.authenticationConfiguration as IDataObject | undefined;
	if (authentication) {
		const rest = Object.fromEntries(
			Object.entries(authentication).filter(([key]) => key !== 'pkcs12Value'),
		);
		const certificates = rest.certificateList as IDataObject[] | undefined;
		result.authenticationConfiguration = certificates
			? {
					...rest,
					certificateList: certificates.map((certificate) => ({
						...certificate,
						notBeforeIso: isoDate(certificate.notBefore),
						notAfterIso: isoDate(certificate.notAfter),
					})),
				}
			: rest;
	}
	return result;
}
