// The scan that every node output, error and log line of the suite goes through (test/support/secrets.ts).
import { Logger } from '@n8n/backend-common';
import { Container } from '@n8n/di';
import { LoggerProxy } from 'n8n-workflow';

import { findSecrets, registerSecret } from './support/secrets';
import { APP_KEY } from './support/credentials';
import { takeLogLeaks } from './support/secretScan';

it('finds a registered secret, an inner line of a registered key, and anything shaped like a JWT', () => {
	registerSecret('scan-self-test-secret-0042');
	expect(findSecrets('error: scan-self-test-secret-0042 rejected')).toHaveLength(1);
	const innerLine = APP_KEY.split('\n')[5];
	expect(findSecrets(`log ${innerLine} end`)).toHaveLength(1);
	expect(
		findSecrets('Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJ0aWQiOiJ4In0.c2lnbmF0dXJlLXZhbHVl'),
	).toEqual([expect.stringMatching(/^a JWT/)]);
	expect(
		findSecrets('Microsoft Graph error ResourceNotFound: The user flow was not found.'),
	).toEqual([]);
});

it("scans every line of n8n's logger, which prints nothing: a secret in a message or in an error of its metadata is a leak", () => {
	registerSecret('log-scan-self-test-secret-0077');
	LoggerProxy.error('Running node "x" finished with error', {
		error: new Error('refused log-scan-self-test-secret-0077'),
	});
	Container.get(Logger).warn('token log-scan-self-test-secret-0077 rejected');
	LoggerProxy.info('Workflow execution finished successfully', { workflowId: 'test' });
	// Taken here, so that the file's own scan (which would fail it) passes.
	expect(takeLogLeaks()).toEqual([
		expect.stringMatching(/^log-scan-sel… in log line "n8n error: Running node/),
		expect.stringMatching(/^log-scan-sel… in log line "n8n warn: token/),
	]);
});
