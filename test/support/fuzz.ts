// Generated hostile and bad input, one parameter set per n8n execution (so every Graph request can be
// attributed to the input that caused it). An independent oracle says which inputs are valid; the run
// counts what must never happen. Used by `npm run test:fuzz` (10,000 sets) and, smaller, by jest.
import type { Emulator } from '../../emulator';
import { seededRandom } from '../../emulator/random';
import { SEEDED_CONNECTORS } from '../../emulator/state';
import {
	CONNECTOR_URL_ID_REGEX,
	FLOW_URL_ID_REGEX,
} from '../../nodes/UserFlowApiConnectors/helpers/locators';
import { FLOW_NAME, GUID_PATTERN } from '../../nodes/UserFlowApiConnectors/helpers/validation';
import { secretCredential } from './credentials';
import { runNode } from './runWorkflow';
import { registerSecret } from './secrets';

const CONNECTOR_PASSWORD = 'fuzz-connector-password';
registerSecret(CONNECTOR_PASSWORD);

export interface FuzzFigures {
	parameterSets: number;
	validSets: number;
	invalidSets: number;
	unhandledExceptions: number;
	requestsToUnintendedPaths: number;
	requestsForInvalidInput: number;
	emptyOrGenericMessages: number;
	/** Items that ended as error items (continue-on-fail), and Graph requests sent in all. */
	errorItems: number;
	graphRequests: number;
	examples: string[];
	seconds: number;
}

type Random = () => number;

const pick = <T>(random: Random, values: readonly T[]): T =>
	values[Math.floor(random() * values.length)];

const HOSTILE_TEXT: readonly unknown[] = [
	'',
	' ',
	'.',
	'..',
	'../..',
	'x/../../users',
	'a/b',
	'?',
	'?$select=id',
	'#frag',
	'%2F',
	'a%2F..%2Fusers',
	'%00',
	'B2X_1_',
	'b2x_1_Partner',
	'B2C_1_Partner',
	'Partner',
	'Partner ',
	' Partner',
	'ünïcödé',
	'名前',
	'🙂',
	'a b',
	'a\nb',
	'\u0000',
	"O'Brien",
	'$ref',
	'A'.repeat(10_240),
	'x'.repeat(129),
	'x'.repeat(128),
	0,
	42,
	-1,
	3.5,
	true,
	false,
	null,
	{},
	[],
	['Partner'],
	{ id: 'Partner' },
];
const STEPS: readonly unknown[] = [
	'postFederationSignup',
	'postAttributeCollection',
	'preTokenIssuance',
	'preSignIn',
	'',
	'POSTFEDERATIONSIGNUP',
	'../x',
	null,
	42,
];
const GUIDS = [
	SEEDED_CONNECTORS[0].id,
	SEEDED_CONNECTORS[1].id.toUpperCase(),
	'00000000-0000-4000-8000-000000000000',
	`{${SEEDED_CONNECTORS[0].id}}`,
	`${SEEDED_CONNECTORS[0].id}/../x`,
];
const KINDS: readonly unknown[] = ['b2x', 'b2x', 'b2x', 'b2c', 'b2b', '', null];

interface Oracle {
	graphOrigin: string;
	version: 'v1.0' | 'beta';
}

// The node's own rules for names, IDs and Graph URLs, each written once there.
const GUID = new RegExp(`^${GUID_PATTERN}$`);
const URL_ID_REGEX: Record<string, string> = {
	b2xUserFlows: FLOW_URL_ID_REGEX,
	b2cUserFlows: FLOW_URL_ID_REGEX,
	apiConnectors: CONNECTOR_URL_ID_REGEX,
};
const PREFIX = { b2x: 'B2X_1_', b2c: 'B2C_1_' } as const;
const COLLECTION = { b2x: 'b2xUserFlows', b2c: 'b2cUserFlows' } as const;

function validKind(kind: unknown, oracle: Oracle): kind is 'b2x' | 'b2c' {
	return kind === 'b2x' || (kind === 'b2c' && oracle.version === 'beta');
}

function flowName(value: unknown, kind: 'b2x' | 'b2c'): string | undefined {
	if (typeof value !== 'string' && typeof value !== 'number') return undefined;
	const text = String(value).trim();
	const name = text.toUpperCase().startsWith(PREFIX[kind]) ? text.slice(PREFIX[kind].length) : text;
	return FLOW_NAME.test(name) ? name : undefined;
}

/** The id a locator names, or undefined when the locator is not valid for the oracle. */
function locatorId(
	locator: { mode: string; value: unknown },
	collection: string,
	oracle: Oracle,
): unknown {
	if (locator.mode !== 'url') return locator.value;
	if (typeof locator.value !== 'string' || !URL.canParse(locator.value.trim())) return undefined;
	const url = new URL(locator.value.trim());
	if (url.origin !== oracle.graphOrigin) return undefined;
	// As n8n's extractValue reads the URL: the mode's regex on the value as given.
	const match = new RegExp(URL_ID_REGEX[collection]).exec(locator.value);
	if (!match || !url.pathname.includes(`/identity/${collection}`)) return undefined;
	try {
		return decodeURIComponent(match[1]);
	} catch {
		return undefined;
	}
}

interface Case {
	parameters: Record<string, unknown>;
	item: Record<string, unknown>;
	/** Valid input: the Graph paths (regexes) its requests may go to. Invalid: undefined (no request allowed). */
	allowedPaths?: RegExp[];
	describe: string;
}

function locatorFor(
	random: Random,
	collection: string,
	oracle: Oracle,
	values: readonly unknown[],
) {
	const mode = pick(random, ['id', 'id', 'id', 'url', 'list'] as const);
	if (mode !== 'url') return { mode, value: pick(random, values) };
	const host = pick(random, [
		oracle.graphOrigin,
		oracle.graphOrigin,
		'https://graph.evil.example',
		'http://127.0.0.1:1',
		'javascript:alert(1)//',
	]);
	const raw = pick(random, values);
	const form = pick(random, ['/', "('", ''] as const);
	const id = typeof raw === 'string' ? raw : JSON.stringify(raw);
	const path =
		form === "('"
			? `${collection}('${id}')`
			: `${collection}/${form === '/' ? encodeURIComponent(id) : id}`;
	return { mode, value: `${host}/${oracle.version}/identity/${path}` };
}

function generateCase(random: Random, oracle: Oracle): Case {
	const operation = pick(random, [
		'setStep',
		'disableStep',
		'getConfiguration',
		'getFlow',
		'createFlow',
		'getConnector',
		'createConnector',
	] as const);
	const kind = pick(random, KINDS);
	const kindOk = validKind(kind, oracle);
	const base = `/${oracle.version}/identity`;
	const flowLocator = locatorFor(random, kindOk ? COLLECTION[kind] : 'b2xUserFlows', oracle, [
		...HOSTILE_TEXT,
		'Partner',
		'B2X_1_Partner',
	]);
	const connectorLocator = locatorFor(random, 'apiConnectors', oracle, [
		...GUIDS,
		...HOSTILE_TEXT.slice(0, 12),
	]);
	const step = pick(random, STEPS);
	const flowId = kindOk
		? flowName(locatorId(flowLocator, COLLECTION[kind], oracle), kind)
		: undefined;
	const flowPath = kindOk ? `${base}/${COLLECTION[kind]}/${PREFIX[kind]}[A-Za-z0-9_-]+` : '';
	const stepOk =
		typeof step === 'string' &&
		(step === 'postFederationSignup' ||
			step === 'postAttributeCollection' ||
			(step === 'preTokenIssuance' && kind === 'b2c'));
	const connectorId = locatorId(connectorLocator, 'apiConnectors', oracle);
	const connectorOk = typeof connectorId === 'string' && GUID.test(connectorId.trim());
	// Every value goes through an expression, as from a spreadsheet row or a webhook.
	const item = { kind, flow: flowLocator.value, step, connector: connectorLocator.value };
	const fromItem = { flowKind: '={{ $json.kind }}' };
	const flowParameter = {
		userFlow: { __rl: true, mode: flowLocator.mode, value: '={{ $json.flow }}' },
	};
	const connectorParameter = {
		apiConnector: { __rl: true, mode: connectorLocator.mode, value: '={{ $json.connector }}' },
	};
	const configuration = `${flowPath}/apiConnectorConfiguration`;
	switch (operation) {
		case 'setStep':
		case 'disableStep': {
			const valid =
				kindOk && flowId !== undefined && stepOk && (operation === 'disableStep' || connectorOk);
			return {
				parameters: {
					resource: 'apiConnectorConfiguration',
					operation,
					...fromItem,
					...flowParameter,
					step: '={{ $json.step }}',
					...connectorParameter,
				},
				item,
				allowedPaths: valid
					? [
							new RegExp(`^${configuration}$`),
							new RegExp(`^${configuration}/${String(step)}/\\$ref$`),
						]
					: undefined,
				describe: `${operation} ${JSON.stringify(item).slice(0, 160)}`,
			};
		}
		case 'getConfiguration':
		case 'getFlow':
			return {
				parameters: {
					resource: operation === 'getFlow' ? 'userFlow' : 'apiConnectorConfiguration',
					operation: 'get',
					...fromItem,
					...flowParameter,
				},
				item,
				allowedPaths:
					kindOk && flowId !== undefined
						? [new RegExp(`^${operation === 'getFlow' ? flowPath : configuration}$`)]
						: undefined,
				describe: `${operation} ${JSON.stringify(item).slice(0, 160)}`,
			};
		case 'createFlow': {
			const name = pick(random, [...HOSTILE_TEXT, 'Fuzzed', 'B2X_1_Fuzzed']);
			const created = kindOk ? flowName(name, kind) : undefined;
			return {
				parameters: {
					resource: 'userFlow',
					operation: 'create',
					...fromItem,
					userFlowName: '={{ $json.name }}',
					userFlowType: 'signUpOrSignIn',
					userFlowTypeVersion: 1,
				},
				item: { ...item, name },
				// The POST, and the read of an existing flow of that name that Create may take as its own.
				allowedPaths:
					created !== undefined
						? [
								new RegExp(`^${base}/${COLLECTION[kind as 'b2x']}$`),
								new RegExp(
									`^${base}/${COLLECTION[kind as 'b2x']}/${PREFIX[kind as 'b2x']}[A-Za-z0-9_-]+$`,
								),
							]
						: undefined,
				describe: `createFlow ${JSON.stringify({ kind, name }).slice(0, 160)}`,
			};
		}
		case 'getConnector':
			return {
				parameters: { resource: 'apiConnector', operation: 'get', ...connectorParameter },
				item,
				allowedPaths: connectorOk
					? [new RegExp(`^${base}/apiConnectors/[0-9a-f-]{36}$`)]
					: undefined,
				describe: `getConnector ${JSON.stringify(item.connector).slice(0, 160)}`,
			};
		case 'createConnector': {
			const targetUrl = pick(random, [
				'https://api.contoso.com/x',
				'http://api.contoso.com/x',
				'javascript:alert(1)',
				'ftp://x',
				'',
				'api.contoso.com',
				`https://${'a'.repeat(10_000)}.com`,
				'https://例え.jp/x',
				null,
				42,
			]);
			const valid =
				typeof targetUrl === 'string' &&
				URL.canParse(targetUrl.trim()) &&
				new URL(targetUrl.trim()).protocol === 'https:';
			return {
				parameters: {
					resource: 'apiConnector',
					operation: 'create',
					displayName: '={{ $json.name }}',
					targetUrl: '={{ $json.targetUrl }}',
					authenticationType: 'basic',
					username: 'fuzz',
					password: CONNECTOR_PASSWORD,
				},
				item: { name: pick(random, HOSTILE_TEXT), targetUrl },
				allowedPaths: valid ? [new RegExp(`^${base}/apiConnectors$`)] : undefined,
				describe: `createConnector ${JSON.stringify(targetUrl).slice(0, 160)}`,
			};
		}
	}
}

const CRASH =
	/Cannot read prop|is not a function|is not iterable|undefined is not|Maximum call stack|\[object Object\]|Unexpected token|ERR_INVALID_ARG/;
const GENERIC =
	/^(UNKNOWN ERROR|Bad request - please check your parameters|Your request is invalid or could not be processed by the service|The service was not able to process your request|Internal error|Error)$/i;

export async function runFuzz(
	emulator: Emulator,
	{ sets, seed, version }: { sets: number; seed: number; version: 'v1.0' | 'beta' },
): Promise<FuzzFigures> {
	const started = Date.now();
	const random = seededRandom(seed);
	const oracle: Oracle = { graphOrigin: new URL(emulator.graphBaseUrl).origin, version };
	const credentials = secretCredential(emulator, { graphVersion: version });
	const tenant = emulator.state.requireTenant(emulator.defaults.tenantId);
	tenant.addUserFlow({ id: 'B2X_1_Partner', kind: 'b2x' });
	const figures: FuzzFigures = {
		parameterSets: 0,
		validSets: 0,
		invalidSets: 0,
		unhandledExceptions: 0,
		requestsToUnintendedPaths: 0,
		requestsForInvalidInput: 0,
		emptyOrGenericMessages: 0,
		errorItems: 0,
		graphRequests: 0,
		examples: [],
		seconds: 0,
	};
	const note = (what: string, testCase: Case) =>
		figures.examples.length < 25 && figures.examples.push(`${what}: ${testCase.describe}`);
	for (let index = 0; index < sets; index++) {
		const testCase = generateCase(random, oracle);
		figures.parameterSets++;
		if (testCase.allowedPaths) figures.validSets++;
		else figures.invalidSets++;
		const before = emulator.graphRequests().length;
		let output;
		try {
			({ output } = await runNode({
				parameters: testCase.parameters as never,
				items: [testCase.item as never],
				credentials,
				continueOnFail: true,
			}));
		} catch (error) {
			figures.unhandledExceptions++;
			note(`unhandled ${(error as Error).message.slice(0, 120)}`, testCase);
			continue;
		}
		const requests = emulator.graphRequests().slice(before);
		figures.graphRequests += requests.length;
		if (!testCase.allowedPaths && requests.length) {
			figures.requestsForInvalidInput += requests.length;
			note(`request for invalid input ${requests[0].method} ${requests[0].path}`, testCase);
		}
		for (const request of requests) {
			if (testCase.allowedPaths && !testCase.allowedPaths.some((path) => path.test(request.path))) {
				figures.requestsToUnintendedPaths++;
				note(`unintended ${request.method} ${request.path}`, testCase);
			}
		}
		if (output.length !== 1) {
			figures.unhandledExceptions++;
			note(`${output.length} output items`, testCase);
			continue;
		}
		const message = output[0].json.error;
		if (message !== undefined) {
			figures.errorItems++;
			const text = String(message).trim();
			if (CRASH.test(text)) {
				figures.unhandledExceptions++;
				note(`crash message "${text.slice(0, 120)}"`, testCase);
			} else if (text.length < 12 || GENERIC.test(text)) {
				figures.emptyOrGenericMessages++;
				note(`generic message "${text}"`, testCase);
			}
		}
		// Keep the directory small and the seeded flow in place.
		if (index % 200 === 199) {
			emulator.reset();
			emulator.state
				.requireTenant(emulator.defaults.tenantId)
				.addUserFlow({ id: 'B2X_1_Partner', kind: 'b2x' });
		}
	}
	figures.seconds = (Date.now() - started) / 1000;
	return figures;
}
