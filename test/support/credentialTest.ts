// The credential's Test button, the way n8n runs it (packages/cli CredentialsTester.testCredentials): a
// declarative `test` of the credential type comes first (its request goes through n8n-core's RoutingNode with
// the credential's `authenticate`); without one, n8n looks for a node that names the credential with
// `testedBy`, takes that node's `methods.credentialTest[testedBy]` and calls it with a CredentialTestContext
// (n8n-core), whose only helper is n8n's legacy request helper.
import { CredentialTestContext, ExecuteContext, RoutingNode } from 'n8n-core';
import {
	type ICredentialDataDecryptedObject,
	type ICredentialTestFunction,
	type ICredentialTestRequest,
	type INode,
	type INodeCredentialTestResult,
	type INodeType,
	type INodeTypeDescription,
	type IRunExecutionData,
} from 'n8n-workflow';

import { MicrosoftEntraUserFlowsApi } from '../../credentials/MicrosoftEntraUserFlowsApi.credentials';
import { UserFlowApiConnectors } from '../../nodes/UserFlowApiConnectors/UserFlowApiConnectors.node';
import { CREDENTIAL_TYPE, createAdditionalData, oneNodeWorkflow } from './runWorkflow';
import { assertNoSecrets } from './secrets';

export type CredentialTestResult = INodeCredentialTestResult;

/** What n8n's getCredentialTestFunction finds for this credential type. */
function credentialTestFunction(): ICredentialTestRequest | ICredentialTestFunction {
	const declarative = (new MicrosoftEntraUserFlowsApi() as { test?: ICredentialTestRequest }).test;
	if (declarative) return declarative;
	const node = new UserFlowApiConnectors();
	const testedBy = node.description.credentials?.find(
		(credential) => credential.name === CREDENTIAL_TYPE,
	)?.testedBy;
	if (typeof testedBy !== 'string') throw new Error('No node tests the credential');
	const tests: Record<string, ICredentialTestFunction> =
		(node.methods as { credentialTest?: Record<string, ICredentialTestFunction> }).credentialTest ??
		{};
	if (!tests[testedBy]) throw new Error(`The node has no credentialTest ${testedBy}`);
	return tests[testedBy];
}

export async function testCredential(
	data: ICredentialDataDecryptedObject,
): Promise<CredentialTestResult> {
	const test = credentialTestFunction();
	const result =
		typeof test === 'function'
			? await test.call(
					new CredentialTestContext(createAdditionalData({ [CREDENTIAL_TYPE]: data })),
					{
						id: '1',
						name: 'test',
						type: CREDENTIAL_TYPE,
						data,
					},
				)
			: await runRequestTest(test, data);
	assertNoSecrets(result, 'the credential test result');
	return result;
}

/** CredentialsTester.runRequestTest: the declarative test request as a node property's routing. */
async function runRequestTest(
	test: ICredentialTestRequest,
	data: ICredentialDataDecryptedObject,
): Promise<CredentialTestResult> {
	const nodeType: INodeType = {
		description: {
			displayName: 'Temp',
			name: 'temp',
			group: [],
			version: 1,
			description: '',
			defaults: {},
			inputs: [],
			outputs: [],
			credentials: [{ name: CREDENTIAL_TYPE, required: true }],
			properties: [
				{
					displayName: 'Temp',
					name: 'temp',
					type: 'string',
					routing: { request: test.request },
					default: '',
				},
			],
		} as INodeTypeDescription,
	};
	const node: INode = {
		id: 'temp',
		name: 'Temp-Node',
		type: 'temp',
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
		credentials: { [CREDENTIAL_TYPE]: { id: '1', name: 'test' } },
	};
	const workflow = oneNodeWorkflow(node, nodeType);
	const context = new ExecuteContext(
		workflow,
		node,
		createAdditionalData({ [CREDENTIAL_TYPE]: data }),
		'internal',
		{ resultData: { runData: {} } } as IRunExecutionData,
		0,
		[],
		{ main: [[{ json: {} }]] },
		{ node, data: {}, source: null },
		[],
	);
	const routingNode = new RoutingNode(context, nodeType, {
		id: '1',
		name: 'test',
		type: CREDENTIAL_TYPE,
		data,
	});
	try {
		await routingNode.runNode();
	} catch (error) {
		const cause = (
			error as { cause?: { response?: { status: number; statusText?: string }; code?: string } }
		).cause;
		if (cause?.response) {
			return {
				status: 'Error',
				message: cause.response.statusText || `Received HTTP status code: ${cause.response.status}`,
			};
		}
		if (cause?.code) return { status: 'Error', message: cause.code };
		return { status: 'Error', message: String((error as Error).message) };
	}
	return { status: 'OK', message: 'Connection successful!' };
}
