import type {
	ICredentialTestFunctions,
	ICredentialsDecrypted,
	INode,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import { CREDENTIAL_TYPE, GraphApp } from '../../../credentials/entra';
import { unusableAnswer } from '../transport/answers';
import { graphApiError, transportError } from '../transport/errors';
import { outgoingRequest } from '../transport/outgoing';
import { headerMap } from '../transport/retries';
import type { GraphRequest } from '../transport/types';

/** The name the node's description gives the test (`testedBy`). */
export const CREDENTIAL_TEST = 'microsoftEntraUserFlowsApiTest';

const TEST_REQUEST: GraphRequest = {
	method: 'GET',
	path: '/identity/apiConnectors',
	qs: { $top: 1 },
};

// Errors are built as the node builds them, for their message; they belong to no workflow node.
const TEST_NODE: INode = {
	id: 'credential-test',
	name: 'Credential test',
	type: CREDENTIAL_TYPE,
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

const TEST_TIMEOUT_MS = 30_000;

interface LegacyResponse {
	statusCode: number;
	headers: unknown;
	body: unknown;
}

/**
 * The credential's Test button: one GET of the API connectors (a token first), sent through n8n's request
 * helper (its proxy and SSRF settings) without following any redirect. "Connection successful!" only when
 * Graph itself answered 2xx; a redirect is reported with its status and target origin, never followed, and
 * every message goes through the node's scrubber. A declarative `test` request cannot do this: n8n follows
 * its redirects with the token, and reports a failure only by HTTP status.
 */
export async function microsoftEntraUserFlowsApiTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	let app: GraphApp;
	try {
		app = new GraphApp(credential.data ?? {});
	} catch (error) {
		return { status: 'Error', message: (error as Error).message };
	}
	const { graphBaseUrl } = app.endpoints;
	const { options } = outgoingRequest(TEST_NODE, graphBaseUrl, TEST_REQUEST, {
		timeoutMs: TEST_TIMEOUT_MS,
	});
	let response: LegacyResponse;
	try {
		const authorized = await app.authorize(options);
		// A credential test gets only n8n's legacy helper (ICredentialTestFunctions has no httpRequest).
		// eslint-disable-next-line @n8n/community-nodes/no-deprecated-workflow-functions
		response = (await this.helpers.request({
			uri: authorized.url,
			method: authorized.method,
			headers: authorized.headers,
			json: true,
			followRedirect: false,
			followAllRedirects: false,
			sendCredentialsOnCrossOriginRedirect: false,
			simple: false,
			resolveWithFullResponse: true,
			timeout: TEST_TIMEOUT_MS,
		})) as LegacyResponse;
	} catch (error) {
		return {
			status: 'Error',
			message: transportError(TEST_NODE, TEST_REQUEST, error, 1, app.settings).message,
		};
	}
	const answer = {
		statusCode: response.statusCode,
		headers: headerMap(response.headers),
		body: response.body,
	};
	// A 2xx counts as the node counts it: only with a body Graph sends (not a proxy's HTML page, say).
	const unusable =
		answer.statusCode >= 200 && answer.statusCode < 300
			? unusableAnswer(TEST_REQUEST, answer)
			: undefined;
	if (answer.statusCode >= 200 && answer.statusCode < 300 && !unusable) {
		return { status: 'OK', message: 'Connection successful!' };
	}
	const failure = graphApiError(TEST_NODE, TEST_REQUEST, answer, app.settings, unusable);
	return { status: 'Error', message: `${failure.message} ${failure.description ?? ''}`.trim() };
}
