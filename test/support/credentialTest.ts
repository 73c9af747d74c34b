// The credential's Test button, the way n8n runs it (packages/cli CredentialsTester.testCredentials): the
// credential type has no declarative `test`, so n8n looks for a node that names the credential with
// `testedBy`, takes that node's `methods.credentialTest[testedBy]` and calls it with a CredentialTestContext
// (n8n-core), whose only helper is n8n's legacy request helper.
import { CredentialTestContext } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	ICredentialTestFunction,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import { MicrosoftEntraUserFlowsApi } from '../../credentials/MicrosoftEntraUserFlowsApi.credentials';
import { UserFlowApiConnectors } from '../../nodes/UserFlowApiConnectors/UserFlowApiConnectors.node';
import { CREDENTIAL_TYPE, createAdditionalData } from './runWorkflow';
import { assertNoSecrets } from './secrets';

export type CredentialTestResult = INodeCredentialTestResult;

/** What n8n's getCredentialTestFunction finds for this credential type. */
export function credentialTestFunction(): ICredentialTestFunction {
	if ('test' in new MicrosoftEntraUserFlowsApi()) {
		throw new Error('The credential type has a declarative test: n8n would run that instead');
	}
	const node = new UserFlowApiConnectors();
	const testedBy = node.description.credentials?.find(
		(credential) => credential.name === CREDENTIAL_TYPE,
	)?.testedBy;
	if (typeof testedBy !== 'string') throw new Error('No node tests the credential');
	const tests: Record<string, ICredentialTestFunction> = node.methods.credentialTest;
	const test = tests[testedBy];
	if (!test) throw new Error(`The node has no credentialTest ${testedBy}`);
	return test;
}

export async function testCredential(
	data: ICredentialDataDecryptedObject,
): Promise<CredentialTestResult> {
	const context = new CredentialTestContext(createAdditionalData({ [CREDENTIAL_TYPE]: data }));
	const result = await credentialTestFunction().call(context, {
		id: '1',
		name: 'test',
		type: CREDENTIAL_TYPE,
		data,
	});
	assertNoSecrets(result, 'the credential test result');
	return result;
}
