import type {
	IExecuteFunctions,
	ILoadOptionsFunctions,
	RequestHelperFunctions,
} from 'n8n-workflow';

import { CREDENTIAL_TYPE } from '../../../credentials/entra';
import { keptConnectionAgent, sendOverKeptConnection } from './keptConnections';
import type { GraphAccess, RawResponse, SendRequest } from './types';

/**
 * How this node run's requests reach Graph: over the node's kept connections with the credential's token, or,
 * under a proxy or in an n8n without an egress filter for nodes, through n8n's request helper, which adds the
 * token with the credential's `authenticate`. Either way only the configured Graph root gets the token, and no
 * request that carries it follows a redirect (outgoing.ts).
 */
export function createSender(
	context: IExecuteFunctions | ILoadOptionsFunctions,
	access: GraphAccess,
): SendRequest {
	const agent = keptConnectionAgent(
		context.helpers as Partial<RequestHelperFunctions>,
		access.app.endpoints.graphOrigin,
	);
	if (!agent) {
		return async ({ options }) =>
			(await context.helpers.httpRequestWithAuthentication.call(context, CREDENTIAL_TYPE, options, {
				credentialsDecrypted: access.credentials,
			})) as RawResponse;
	}
	return async ({ options }) =>
		await sendOverKeptConnection(agent, await access.app.authorize(options));
}
