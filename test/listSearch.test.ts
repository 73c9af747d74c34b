// "From list" in the editor: the list-search methods behind the user flow and API connector locators.
import { searchList } from './support/runWorkflow';
import { useEmulator } from './support/useEmulator';

const { emulator, tenant, credentials, b2cCredentials } = useEmulator({ pageSize: 2 });

it('lists the flows of the chosen kind, filtered by the search text, one Graph page at a time', async () => {
	for (const id of ['B2X_1_Partner', 'B2X_1_Employees', 'B2X_1_PartnerEU'])
		tenant().addUserFlow({ id, kind: 'b2x' });
	const credential = credentials();
	const first = await searchList('searchUserFlows', {
		parameters: { flowKind: 'b2x' },
		credentials: credential,
	});
	expect(first.results.map((r) => r.value)).toEqual(['B2X_1_Partner', 'B2X_1_Employees']);
	expect(first.results[0]).toEqual({
		name: 'B2X_1_Partner (signUpOrSignIn v1)',
		value: 'B2X_1_Partner',
		url: `${emulator.graphBaseUrl}/v1.0/identity/b2xUserFlows/B2X_1_Partner`,
	});
	expect(first.paginationToken).toMatch(/\$skiptoken=/);
	const second = await searchList('searchUserFlows', {
		parameters: { flowKind: 'b2x' },
		credentials: credential,
		paginationToken: first.paginationToken,
	});
	expect(second.results.map((r) => r.value)).toEqual(['B2X_1_PartnerEU']);
	const filtered = await searchList('searchUserFlows', {
		parameters: { flowKind: 'b2x' },
		credentials: credential,
		filter: 'employ',
	});
	expect(filtered.results.map((r) => r.value)).toEqual(['B2X_1_Employees']);
	expect(emulator.graphRequests().map((r) => r.path)).toEqual(
		Array(3).fill('/v1.0/identity/b2xUserFlows'),
	);
});

it('lists Azure AD B2C flows from b2cUserFlows in beta', async () => {
	emulator.state
		.requireTenant(emulator.defaults.b2cTenantId)
		.addUserFlow({ id: 'B2C_1_SignIn', kind: 'b2c', userFlowType: 'signIn' });
	const { results } = await searchList('searchUserFlows', {
		parameters: { flowKind: 'b2c' },
		credentials: b2cCredentials(),
	});
	expect(results).toEqual([
		{
			name: 'B2C_1_SignIn (signIn v3)',
			value: 'B2C_1_SignIn',
			url: `${emulator.graphBaseUrl}/beta/identity/b2cUserFlows/B2C_1_SignIn`,
		},
	]);
});

it('says that B2C flows need beta instead of asking Graph v1.0 for them', async () => {
	await expect(
		searchList('searchUserFlows', {
			parameters: { flowKind: 'b2c' },
			credentials: b2cCredentials({ graphVersion: 'v1.0' }),
		}),
	).rejects.toThrow(
		'Azure AD B2C user flows need the Graph beta API, but the credential uses v1.0',
	);
	expect(emulator.graphRequests()).toHaveLength(0);
});

it('lists API connectors by display name and target URL, searchable by either', async () => {
	const { results } = await searchList('searchApiConnectors', {
		parameters: {},
		credentials: credentials(),
		filter: 'someotherapi',
	});
	expect(results).toEqual([
		{
			name: 'Test API Connector 2 (https://someotherapi.com/api/endpoint)',
			value: '0b1e7f3a-2c4d-4e5f-8a9b-6c7d8e9f0a22',
			url: `${emulator.graphBaseUrl}/v1.0/identity/apiConnectors/0b1e7f3a-2c4d-4e5f-8a9b-6c7d8e9f0a22`,
		},
	]);
});

it.each([
	['on another host', 'https://graph.evil.example/v1.0/identity/apiConnectors?$skiptoken=x'],
	['relative, naming another Graph path', '/users'],
	['relative, naming the same list', '/identity/apiConnectors?$skiptoken=x'],
	['of another list on Graph', '{graph}/v1.0/users?$skiptoken=x'],
	['of another version', '{graph}/beta/identity/apiConnectors?$skiptoken=x'],
	['climbing out of the list', '{graph}/v1.0/identity/apiConnectors/../../users?$skiptoken=x'],
	['below an item of the list', '{graph}/v1.0/identity/apiConnectors/x/uploadClientCertificate'],
])('a pagination token %s is refused before anything is sent', async (_what, token) => {
	await expect(
		searchList('searchApiConnectors', {
			parameters: {},
			credentials: credentials(),
			paginationToken: token.replace('{graph}', emulator.graphBaseUrl),
		}),
	).rejects.toThrow(/Refusing a pagination token that is not a next page of this list/);
	expect(emulator.graphRequests()).toHaveLength(0);
});
