// The scan that every node output, error and log line of the suite goes through (test/support/secrets.ts).
import { findSecrets, registerSecret } from './support/secrets';
import { APP_KEY } from './support/credentials';

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
