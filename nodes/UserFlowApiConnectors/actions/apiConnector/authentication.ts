import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeProperties,
} from 'n8n-workflow';

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
				'Password Entra sends with HTTP Basic authentication; Graph never returns it (a Get shows ******, which is refused here). Prefer an expression that reads it from a secret store.',
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
	return await pkcs12OfBinaryField(
		context,
		itemIndex,
		field,
		context.getNodeParameter('pfxPassword', itemIndex, '') as string,
	);
}

/** The .pfx in a binary field of the input item, with its password: what uploadClientCertificate takes. */
export async function pkcs12OfBinaryField(
	context: IExecuteFunctions,
	itemIndex: number,
	field: string,
	password: string,
): Promise<{ pkcs12Value: string; password: string }> {
	context.helpers.assertBinaryData(itemIndex, field);
	const pfx = await context.helpers.getBinaryDataBuffer(itemIndex, field);
	if (pfx.length === 0) {
		throw new NodeOperationError(context.getNode(), `The binary field "${field}" is empty`, {
			itemIndex,
			description: 'It must hold the .pfx (PKCS 12) file of the client certificate.',
		});
	}
	return { pkcs12Value: pfx.toString('base64'), password };
}

/** What Graph returns in place of every connector password (a Get, a Get Many, an Update's read-back). */
const GRAPH_PASSWORD_MASK = /^\*+$/;

/**
 * A Basic password, refused when it is Graph's mask: sent back (for example from a Get's output), Graph
 * would store ****** as the password, and every sign-up calling the API would then fail authentication.
 * `keepHint` says how to leave the password as it is where the password comes from.
 */
export function requireRealPassword(
	context: IExecuteFunctions,
	itemIndex: number,
	password: string,
	keepHint: string,
): string {
	if (GRAPH_PASSWORD_MASK.test(password)) {
		throw new NodeOperationError(
			context.getNode(),
			"The password is Graph's mask ******, not the connector's password",
			{
				itemIndex,
				description: `Graph never returns an API connector password: a Get shows ****** in its place. Sent back, ****** would replace the real password and every sign-up calling this API would fail authentication. Enter the real password (for example from a secret store), or ${keepHint}.`,
			},
		);
	}
	return password;
}

function requireBasicPassword(context: IExecuteFunctions, itemIndex: number): string {
	return requireRealPassword(
		context,
		itemIndex,
		requireText(context, itemIndex, 'password', 'Password'),
		'set Authentication to Keep Unchanged to leave it as it is',
	);
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
			password: requireBasicPassword(context, itemIndex),
		};
	}
	return {
		'@odata.type': '#microsoft.graph.pkcs12Certificate',
		...(await readPkcs12(context, itemIndex)),
	};
}
