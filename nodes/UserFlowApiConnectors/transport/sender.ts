import type {
	IExecuteFunctions,
	ILoadOptionsFunctions,
	RequestHelperFunctions,
} from 'n8n-workflow';

import { CREDENTIAL_TYPE } from '../../../credentials/entra';
import { keptConnectionAgent, sendOverKeptConnection } from './keptConnections';
import type { GraphAccess, RawResponse, SendRequest } from './types';

/**
 * Request Timeout bounds an attempt's whole time, not only the silence between two packets: a Graph (or a
 * proxy) that trickles a byte a second would otherwise hold the item for ever.
 */
function withinTimeout(send: SendRequest): SendRequest {
	return async (request) => {
		const { timeout, abortSignal } = request.options;
		if (!timeout) return await send(request);
		const timer = AbortSignal.timeout(timeout);
		const signal = abortSignal ? AbortSignal.any([abortSignal as AbortSignal, timer]) : timer;
		let onTimeout = () => {};
		const timedOut = new Promise<never>((_, reject) => {
			onTimeout = () =>
				reject(
					Object.assign(new Error(`No complete answer within ${timeout} ms`), {
						code: 'ETIMEDOUT',
					}),
				);
		});
		timer.addEventListener('abort', onTimeout, { once: true });
		try {
			const sending = send({ ...request, options: { ...request.options, abortSignal: signal } });
			return await Promise.race([sending, timedOut]);
		} finally {
			timer.removeEventListener('abort', onTimeout);
		}
	};
}

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
		return withinTimeout(
			async ({ options }) =>
				(await context.helpers.httpRequestWithAuthentication.call(
					context,
					CREDENTIAL_TYPE,
					options,
					{
						credentialsDecrypted: access.credentials,
					},
				)) as RawResponse,
		);
	}
	return withinTimeout(
		async ({ options }) => await sendOverKeptConnection(agent, await access.app.authorize(options)),
	);
}
