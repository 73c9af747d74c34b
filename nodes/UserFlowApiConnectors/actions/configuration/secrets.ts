import { NodeOperationError, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import { pkcs12OfBinaryField, requireRealPassword } from '../apiConnector/authentication';
import type { Change } from './plan';

/*
 * Connector secrets: passwords and .pfx files never enter a document or a plan. Apply takes them from this
 * parameter, by the connector's display name: a password as an expression (for example
 * {{ $secrets.vault.signupApi }}), a .pfx from a binary field of the input item.
 */

export const connectorSecretsProperty: INodeProperties = {
	displayName: 'Connector Secrets',
	name: 'connectorSecrets',
	type: 'fixedCollection',
	typeOptions: { multipleValues: true },
	placeholder: 'Add Connector Secret',
	default: {},
	description:
		'Passwords and .pfx files of the API connectors, by display name. Needed for connectors Apply creates, for a new username or certificate, and with Set Passwords. Use expressions that read them from a secret store.',
	options: [
		{
			displayName: 'Secret',
			name: 'secret',
			values: [
				{
					displayName: 'API Connector Name',
					name: 'apiConnector',
					type: 'string',
					default: '',
					description: 'Display name of the connector, as in the document',
				},
				{
					displayName: 'Password',
					name: 'password',
					type: 'string',
					typeOptions: { password: true },
					default: '',
					description: 'Basic authentication password, e.g. {{ $secrets.vault.signupApiPassword }}',
				},
				{
					displayName: 'Certificate Binary Field',
					name: 'binaryPropertyName',
					type: 'string',
					default: '',
					description: 'Binary field of the input item holding the .pfx (PKCS 12) file',
				},
				{
					displayName: 'Certificate Password',
					name: 'pfxPassword',
					type: 'string',
					typeOptions: { password: true },
					default: '',
					description: 'Password of the .pfx file',
				},
			],
		},
	],
};

export interface ConnectorSecret {
	password?: string;
	pkcs12?: { pkcs12Value: string; password: string };
}

interface SecretEntry {
	apiConnector?: string;
	password?: string;
	binaryPropertyName?: string;
	pfxPassword?: string;
}

/**
 * The secrets the changes need, read and checked before Apply writes anything: a change whose secret is
 * missing fails the whole Apply with nothing written. Only what a change needs is read.
 */
export async function readNeededSecrets(
	context: IExecuteFunctions,
	itemIndex: number,
	changes: Change[],
): Promise<Map<string, ConnectorSecret>> {
	const entries = (
		(context.getNodeParameter('connectorSecrets', itemIndex, {}) as { secret?: SecretEntry[] })
			.secret ?? []
	).filter((entry) => (entry.apiConnector ?? '').trim() !== '');
	const entryOf = new Map(entries.map((entry) => [String(entry.apiConnector).trim(), entry]));
	const secrets = new Map<string, ConnectorSecret>();
	const missing: string[] = [];
	for (const change of changes) {
		if (!change.needs || !change.apiConnector) continue;
		const name = change.apiConnector;
		const entry = entryOf.get(name);
		const secret = secrets.get(name) ?? {};
		if (change.needs === 'password') {
			if (!entry?.password) {
				missing.push(`a password for "${name}" (${change.kind})`);
				continue;
			}
			secret.password = requireRealPassword(
				context,
				itemIndex,
				entry.password,
				'turn Set Passwords off to keep the password the connector has (a new connector or username needs the real one)',
			);
		} else {
			if (!entry?.binaryPropertyName) {
				missing.push(`a .pfx for "${name}" (${change.kind})`);
				continue;
			}
			secret.pkcs12 = await pkcs12OfBinaryField(
				context,
				itemIndex,
				entry.binaryPropertyName,
				entry.pfxPassword ?? '',
			);
		}
		secrets.set(name, secret);
	}
	if (missing.length) {
		throw new NodeOperationError(
			context.getNode(),
			`Nothing was applied: Connector Secrets lack ${missing.join(', ')}`,
			{
				itemIndex,
				description:
					'Add them under Connector Secrets, by the connector’s display name: a password as an expression from your secret store, a .pfx as a binary field of the input item.',
			},
		);
	}
	return secrets;
}
