// A fault-injection run through n8n's engine against the emulator while it throttles, fails, drops and slows
// Graph requests at random (a seeded profile), some of them after Graph carried the request out. Half the
// lanes work on user flows (Create, Set Step, Disable Step), half on API connectors (Create, Update, Upload
// Client Certificate); every other pair of lanes has Batching on. The emulator's directory is the judge of
// every item's output. Used by `npm run test:faults` (1,000 operations, figures printed) and, smaller, by the
// jest suite.
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import type { Emulator, FaultProfile } from '../../emulator';
import { SEEDED_CONNECTORS, type ApiConnector, type Tenant } from '../../emulator/state';
import { secretCredential } from './credentials';
import { makePfx, TEST_PFX_PASSWORD, type TestPfx } from './pfx';
import { runNode } from './runWorkflow';
import { registerSecret } from './secrets';

export interface FaultRunOptions {
	/** Operations in all (each item of each of a lane's three node runs is one). */
	operations: number;
	/** Executions run side by side, each on its own flows or connectors. */
	lanes: number;
	seed: number;
	/** The node's Request Timeout; slow answers take longer than this. */
	requestTimeoutSeconds: number;
	/**
	 * Makes the judge expect what the workflows did not ask (Set Step's other connector, another name after
	 * Update, another certificate after Upload), to show that its checks fail:
	 * `npm run test:faults -- --wrong-expectation` must exit non-zero.
	 */
	wrongExpectation?: boolean;
}

/** Items in and out of one operation. */
export interface OperationFigures {
	itemsIn: number;
	success: number;
	error: number;
	lost: number;
}

/** Error items saying the object may exist (the node could not tell whether its POST took effect). */
export interface MayExistFigures {
	items: number;
	/** Of those, how many the tenant shows did take effect. */
	existed: number;
}

export interface FaultFigures {
	itemsIn: number;
	successItems: number;
	errorItems: number;
	lostItems: number;
	operations: Record<string, OperationFigures>;
	/** Flows created twice, or Creates that failed on their own earlier success (409). */
	duplicateFlows: number;
	/** Connectors beyond the first from one Create item. */
	duplicateConnectors: number;
	/** Certificate entries beyond the first from one Upload item. */
	duplicateCertificates: number;
	/** Success items whose output says what the tenant does not show (created, updated, changed, uploaded). */
	falseSuccesses: number;
	/** Flows and connectors that do not end as their successful items asked. */
	wrongFinalState: number;
	mayExist: Record<string, MayExistFigures>;
	/**
	 * Error items of a POST that took effect although the error does not say the object may exist: a user
	 * would run the item again and duplicate it.
	 */
	unflaggedEffects: number;
	graphRequests: number;
	batchRequests: number;
	retries: number;
	retryAfterWaitSeconds: number;
	injectedFaults: Record<string, number>;
	/** Every finding of the judge, one line each. */
	findings: string[];
	errors: string[];
	seconds: number;
}

const [connector1, connector2] = SEEDED_CONNECTORS;
const byExpression = (expression: string) => ({ __rl: true, mode: 'id', value: expression });
const BASIC_PASSWORD = 'fault-run-connector-password-Hq27';
registerSecret(BASIC_PASSWORD);
/** Distinct .pfx files the Uploads take in turn. */
const CERTIFICATES = 4;
/**
 * What the node's error says when it cannot tell whether its POST took effect, or when it knows the object
 * exists (User Flow > Create whose later link failed names the flow that now exists).
 */
const MAY_EXIST = /may exist|The user flow \S+ exists, but/;

export function faultProfile(seed: number, requestTimeoutSeconds: number): FaultProfile {
	return {
		seed,
		throttleWithRetryAfter: 0.1,
		throttleWithoutRetryAfter: 0.1,
		unavailable: 0.05,
		unavailableAfter: 0.05,
		dropped: 0.04,
		slow: 0.02,
		slowMs: requestTimeoutSeconds * 1000 + 500,
		retryAfterSeconds: 1,
	};
}

type Output = INodeExecutionData[];

const pairedIndex = (item: INodeExecutionData) => (item.pairedItem as { item: number }).item;
const errorText = (item: INodeExecutionData) =>
	`${String(item.json.error)} ${String(item.json.description ?? '')}`;

/** The one output item of input item `index`, or undefined when it is missing (or not alone). */
function outputOf(output: Output, index: number): INodeExecutionData | undefined {
	const found = output.filter((item) => pairedIndex(item) === index);
	return found.length === 1 ? found[0] : undefined;
}

interface LaneSettings {
	batching: boolean;
	requestTimeoutSeconds: number;
}

const requestOptionsOf = ({ batching, requestTimeoutSeconds }: LaneSettings) => ({
	maxRetries: 10,
	maxRetryWaitSeconds: 120,
	requestTimeoutSeconds,
	...(batching ? { batching: true } : {}),
});

async function runOperation(
	emulator: Emulator,
	settings: LaneSettings,
	parameters: Record<string, unknown>,
	input: { items?: IDataObject[]; inputItems?: INodeExecutionData[] },
): Promise<Output> {
	if ((input.items ?? input.inputItems ?? []).length === 0) return [];
	const { output } = await runNode({
		parameters: { ...parameters, requestOptions: requestOptionsOf(settings) } as never,
		...input,
		credentials: secretCredential(emulator),
		continueOnFail: true,
	});
	return output;
}

interface FlowItem {
	name: string;
	connector: string;
}

interface FlowLane {
	subject: 'flows';
	batching: boolean;
	items: FlowItem[];
	outputs: { create: Output; setStep: Output; disableStep: Output };
}

/** Create the flows (postFederationSignup linked at creation), set postAttributeCollection, disable postFederationSignup; both steps read first. */
async function runFlowLane(
	emulator: Emulator,
	names: string[],
	settings: LaneSettings,
): Promise<FlowLane> {
	const items = names.map((name, index) => ({
		name,
		connector: index % 2 ? connector2.id : connector1.id,
	}));
	const run = async (parameters: Record<string, unknown>) =>
		await runOperation(emulator, settings, parameters, { items });
	const create = await run({
		resource: 'userFlow',
		operation: 'create',
		flowKind: 'b2x',
		userFlowName: '={{ $json.name }}',
		additionalFields: { postFederationSignupConnectorId: connector1.id },
	});
	const setStep = await run({
		resource: 'apiConnectorConfiguration',
		operation: 'setStep',
		flowKind: 'b2x',
		userFlow: byExpression('={{ $json.name }}'),
		step: 'postAttributeCollection',
		apiConnector: byExpression('={{ $json.connector }}'),
		options: { checkCurrentStep: true },
	});
	const disableStep = await run({
		resource: 'apiConnectorConfiguration',
		operation: 'disableStep',
		flowKind: 'b2x',
		userFlow: byExpression('={{ $json.name }}'),
		step: 'postFederationSignup',
		options: { checkCurrentStep: true },
	});
	return {
		subject: 'flows',
		batching: settings.batching,
		items,
		outputs: { create, setStep, disableStep },
	};
}

interface ConnectorItem {
	name: string;
	targetUrl: string;
	renamed: string;
	renamedUrl: string;
}

interface ConnectorLane {
	subject: 'connectors';
	batching: boolean;
	items: ConnectorItem[];
	create: Output;
	/** The items whose Create succeeded, with the id it gave and the .pfx their Upload takes, in the order of the Update and Upload runs. */
	created: Array<{ index: number; id: string; pfx: TestPfx }>;
	update: Output;
	upload: Output;
}

/** Create the connectors (basic authentication), rename each created one and move its URL, then upload a certificate to it. */
async function runConnectorLane(
	emulator: Emulator,
	names: string[],
	settings: LaneSettings,
	certificates: TestPfx[],
): Promise<ConnectorLane> {
	const items = names.map((name) => ({
		name,
		targetUrl: `https://api.contoso.com/fault/${name}`,
		renamed: `${name} renamed`,
		renamedUrl: `https://api.contoso.com/fault/${name}/v2`,
	}));
	const create = await runOperation(
		emulator,
		settings,
		{
			resource: 'apiConnector',
			operation: 'create',
			displayName: '={{ $json.name }}',
			targetUrl: '={{ $json.targetUrl }}',
			authenticationType: 'basic',
			username: 'n8n',
			password: BASIC_PASSWORD,
		},
		{ items },
	);
	const created = items
		.flatMap((_, index) => {
			const out = outputOf(create, index);
			return out && !out.json.error && typeof out.json.id === 'string'
				? [{ index, id: out.json.id }]
				: [];
		})
		.map((entry, position) => ({ ...entry, pfx: certificates[position % certificates.length] }));
	const update = await runOperation(
		emulator,
		settings,
		{
			resource: 'apiConnector',
			operation: 'update',
			apiConnector: byExpression('={{ $json.id }}'),
			updateFields: { displayName: '={{ $json.renamed }}', targetUrl: '={{ $json.renamedUrl }}' },
			authenticationType: 'unchanged',
		},
		{ items: created.map(({ index, id }) => ({ ...items[index], id })) },
	);
	const inputItems = created.map(({ id, pfx }) => ({
		json: { id },
		binary: {
			data: { data: pfx.base64, mimeType: 'application/x-pkcs12', fileName: 'client.pfx' },
		},
	}));
	const upload = await runOperation(
		emulator,
		settings,
		{
			resource: 'apiConnector',
			operation: 'uploadClientCertificate',
			apiConnector: byExpression('={{ $json.id }}'),
			binaryPropertyName: 'data',
			pfxPassword: TEST_PFX_PASSWORD,
		},
		{ inputItems },
	);
	return {
		subject: 'connectors',
		batching: settings.batching,
		items,
		create,
		created,
		update,
		upload,
	};
}

/** Lane 0 flows, 1 connectors, 2 flows with Batching, 3 connectors with Batching, and so on round. */
function laneSettings(lane: number, requestTimeoutSeconds: number) {
	return {
		subject: lane % 2 ? ('connectors' as const) : ('flows' as const),
		batching: Math.floor(lane / 2) % 2 === 1,
		requestTimeoutSeconds,
	};
}

export async function runFaultScenario(
	emulator: Emulator,
	options: FaultRunOptions,
): Promise<FaultFigures> {
	const started = Date.now();
	const itemsPerLane = Math.ceil(options.operations / 3 / options.lanes);
	// Made before the run: making one takes about 140 ms of the CPU this process shares with the emulator,
	// which would hold every answer in flight past its timeout. Neighbouring items get different ones.
	const certificates = Array.from({ length: CERTIFICATES }, (_, index) =>
		makePfx({ password: TEST_PFX_PASSWORD, commonName: `fault-run-${index}.test` }),
	);
	emulator.setFaultProfile(faultProfile(options.seed, options.requestTimeoutSeconds));
	const lanes = await Promise.all(
		Array.from({ length: options.lanes }, async (_, lane) => {
			const settings = laneSettings(lane, options.requestTimeoutSeconds);
			const names = Array.from(
				{ length: itemsPerLane },
				(_, index) =>
					`Fault${settings.subject === 'flows' ? 'F' : 'C'}${String(lane).padStart(2, '0')}x${String(index).padStart(4, '0')}`,
			);
			return settings.subject === 'flows'
				? await runFlowLane(emulator, names, settings)
				: await runConnectorLane(emulator, names, settings, certificates);
		}),
	);
	const injectedFaults = { ...emulator.injectedFaults };
	emulator.setFaultProfile(undefined);

	const judge = new Judge(emulator.state.requireTenant(emulator.defaults.tenantId), options);
	for (const lane of lanes) {
		if (lane.subject === 'flows') judge.flowLane(lane);
		else judge.connectorLane(lane);
	}
	const graph = emulator.graphRequests();
	const figures = judge.figures;
	figures.duplicateFlows += createdTwice(graph);
	figures.graphRequests = graph.length;
	figures.batchRequests = graph.filter((request) => request.path.endsWith('/$batch')).length;
	figures.retries =
		graph.length - new Set(graph.map((request) => request.headers['client-request-id'])).size;
	figures.injectedFaults = injectedFaults;
	figures.retryAfterWaitSeconds =
		Object.entries(injectedFaults)
			.filter(([kind]) => kind.startsWith('429 with Retry-After'))
			.reduce((sum, [, count]) => sum + count, 0) * faultProfile(0, 0).retryAfterSeconds;
	figures.seconds = (Date.now() - started) / 1000;
	return figures;
}

/** User flows that Graph answered 201 for more than once (the flow's id is its name, so a second is a repeat). */
function createdTwice(graph: ReturnType<Emulator['graphRequests']>): number {
	const ids = graph
		.filter(
			(request) =>
				request.method === 'POST' && request.status === 201 && request.path.endsWith('UserFlows'),
		)
		.map((request) => String((request.body as IDataObject)?.id));
	return ids.length - new Set(ids).size;
}

/** What the judge counts as a failure of the run. */
type Finding =
	| 'lostItems'
	| 'duplicateFlows'
	| 'duplicateConnectors'
	| 'duplicateCertificates'
	| 'falseSuccesses'
	| 'unflaggedEffects'
	| 'wrongFinalState';

/** Compares every item's output, and what the successful items asked, with the tenant. */
class Judge {
	readonly figures: FaultFigures = {
		itemsIn: 0,
		successItems: 0,
		errorItems: 0,
		lostItems: 0,
		operations: {},
		duplicateFlows: 0,
		duplicateConnectors: 0,
		duplicateCertificates: 0,
		falseSuccesses: 0,
		wrongFinalState: 0,
		mayExist: {},
		unflaggedEffects: 0,
		graphRequests: 0,
		batchRequests: 0,
		retries: 0,
		retryAfterWaitSeconds: 0,
		injectedFaults: {},
		findings: [],
		errors: [],
		seconds: 0,
	};

	/** The connectors this run created, by the item name their target URL carries. */
	private readonly connectorsByItem = new Map<string, ApiConnector[]>();

	constructor(
		private readonly tenant: Tenant,
		private readonly options: FaultRunOptions,
	) {
		for (const connector of tenant.connectors.values()) {
			const name = /\/fault\/([^/]+)/.exec(connector.targetUrl)?.[1];
			if (name)
				this.connectorsByItem.set(name, [...(this.connectorsByItem.get(name) ?? []), connector]);
		}
	}

	private find(kind: Finding, what: string) {
		this.figures[kind]++;
		this.figures.findings.push(`${kind}: ${what}`);
	}

	/** Counts an operation's items in and out; returns each input item's output (undefined when lost). */
	private tally(operation: string, names: string[], output: Output) {
		const figures = (this.figures.operations[operation] ??= {
			itemsIn: 0,
			success: 0,
			error: 0,
			lost: 0,
		});
		figures.itemsIn += names.length;
		this.figures.itemsIn += names.length;
		return names.map((name, index) => {
			const out = outputOf(output, index);
			if (!out) {
				figures.lost++;
				this.find('lostItems', `${operation} ${name}: no output item, or more than one`);
			} else if (out.json.error) {
				figures.error++;
				this.figures.errorItems++;
				this.figures.errors.push(`${operation} ${name}: ${String(out.json.error)}`);
			} else {
				figures.success++;
				this.figures.successItems++;
			}
			return out;
		});
	}

	/** An error item of a POST: counts "may exist", checks it against what the tenant shows. */
	private postFailed(
		operation: string,
		name: string,
		out: INodeExecutionData,
		tookEffect: boolean,
	) {
		if (MAY_EXIST.test(errorText(out))) {
			const figures = (this.figures.mayExist[operation] ??= { items: 0, existed: 0 });
			figures.items++;
			if (tookEffect) figures.existed++;
		} else if (tookEffect) {
			this.find(
				'unflaggedEffects',
				`${operation} ${name} failed without saying it may exist, and it does: ${errorText(out)}`,
			);
		}
	}

	flowLane({ items, outputs, batching }: FlowLane) {
		const names = items.map(({ name }) => name);
		const suffix = batching ? ' (Batching)' : '';
		const create = this.tally(`User Flow > Create${suffix}`, names, outputs.create);
		const setStep = this.tally(`Set Step${suffix}`, names, outputs.setStep);
		const disableStep = this.tally(`Disable Step${suffix}`, names, outputs.disableStep);
		items.forEach(({ name, connector }, index) => {
			const id = `B2X_1_${name}`;
			const flow = this.tenant.userFlow('b2x', id);
			const asked = this.options.wrongExpectation
				? connector === connector1.id
					? connector2.id
					: connector1.id
				: connector;
			const created = create[index];
			if (created?.json.error) {
				if (created.json.httpCode === '409')
					this.find('duplicateFlows', `Create ${name} failed 409 on its own earlier success`);
				this.postFailed('User Flow > Create', name, created, flow !== undefined);
			} else if (created && (created.json.id !== id || !flow)) {
				this.find(
					'falseSuccesses',
					`Create ${name} says ${String(created.json.id)}, the tenant has ${flow ? 'it' : 'no flow'}`,
				);
			}
			const set = setStep[index];
			if (set && !set.json.error) {
				// A flow this run created has no postAttributeCollection, so the step was changed.
				const claimOk =
					set.json.apiConnectorId === asked &&
					(created?.json.error ||
						(set.json.changed === true && set.json.previousApiConnectorId === null));
				if (!claimOk)
					this.find(
						'falseSuccesses',
						`Set Step ${name}: ${JSON.stringify(set.json).slice(0, 300)}`,
					);
				if (flow?.apiConnectors.postAttributeCollection !== asked)
					this.find(
						'wrongFinalState',
						`${id}: postAttributeCollection is ${String(flow?.apiConnectors.postAttributeCollection)}, Set Step asked ${asked}`,
					);
			}
			const disable = disableStep[index];
			if (disable && !disable.json.error) {
				// Create linked postFederationSignup to connector 1, so Disable Step changed it.
				const claimOk =
					disable.json.apiConnectorId === null &&
					(created?.json.error ||
						(disable.json.changed === true &&
							String(disable.json.previousApiConnectorId) === connector1.id.toLowerCase()));
				if (!claimOk)
					this.find(
						'falseSuccesses',
						`Disable Step ${name}: ${JSON.stringify(disable.json).slice(0, 300)}`,
					);
				if (!flow || flow.apiConnectors.postFederationSignup !== undefined)
					this.find(
						'wrongFinalState',
						`${id}: postFederationSignup is ${String(flow?.apiConnectors.postFederationSignup)} after Disable Step succeeded`,
					);
			}
		});
	}

	connectorLane({ items, create, created, update, upload, batching }: ConnectorLane) {
		const suffix = batching ? ' (Batching)' : '';
		const createOut = this.tally(
			`API Connector > Create${suffix}`,
			items.map(({ name }) => name),
			create,
		);
		const createdNames = created.map(({ index }) => items[index].name);
		const updateOut = this.tally(`API Connector > Update${suffix}`, createdNames, update);
		const uploadOut = this.tally(`Upload Client Certificate${suffix}`, createdNames, upload);
		items.forEach((item, index) => {
			const inTenant = this.connectorsByItem.get(item.name) ?? [];
			if (inTenant.length > 1)
				this.find(
					'duplicateConnectors',
					`${item.name}: ${inTenant.length} connectors from one Create`,
				);
			const out = createOut[index];
			if (out?.json.error) {
				this.postFailed('API Connector > Create', item.name, out, inTenant.length > 0);
			} else if (out && !inTenant.some((connector) => connector.id === out.json.id)) {
				this.find(
					'falseSuccesses',
					`Create ${item.name} says ${String(out.json.id)}, which the tenant does not hold for it`,
				);
			} else if (
				out &&
				(out.json.displayName !== item.name || out.json.targetUrl !== item.targetUrl)
			) {
				this.find(
					'falseSuccesses',
					`Create ${item.name}: output ${JSON.stringify(out.json).slice(0, 300)}`,
				);
			}
		});
		created.forEach(({ index, id, pfx }, position) => {
			const item = this.options.wrongExpectation
				? { ...items[index], renamed: `${items[index].renamed} (not asked)` }
				: items[index];
			const thumbprint = this.options.wrongExpectation ? `${pfx.thumbprint}0` : pfx.thumbprint;
			const connector = this.tenant.connector(id);
			const updated = updateOut[position];
			if (updated && !updated.json.error) {
				if (
					updated.json.id !== id ||
					updated.json.displayName !== item.renamed ||
					updated.json.targetUrl !== item.renamedUrl
				)
					this.find(
						'falseSuccesses',
						`Update ${item.name}: output ${JSON.stringify(updated.json).slice(0, 300)}`,
					);
				if (connector?.displayName !== item.renamed || connector.targetUrl !== item.renamedUrl)
					this.find(
						'wrongFinalState',
						`${item.name}: ${connector ? `"${connector.displayName}" at ${connector.targetUrl}` : 'gone'} after Update succeeded`,
					);
			}
			const entries =
				connector?.authentication.type === 'clientCertificate'
					? connector.authentication.certificates.filter(
							(certificate) => certificate.thumbprint === thumbprint,
						).length
					: 0;
			if (entries > 1)
				this.find(
					'duplicateCertificates',
					`${item.name}: ${entries} entries of the certificate from one Upload`,
				);
			const uploaded = uploadOut[position];
			if (uploaded?.json.error) {
				this.postFailed('Upload Client Certificate', item.name, uploaded, entries > 0);
			} else if (uploaded) {
				const list = ((uploaded.json.authenticationConfiguration as IDataObject | undefined)
					?.certificateList ?? []) as IDataObject[];
				if (
					uploaded.json.id !== id ||
					!list.some((certificate) => certificate.thumbprint === thumbprint)
				)
					this.find(
						'falseSuccesses',
						`Upload ${item.name}: output ${JSON.stringify(uploaded.json).slice(0, 300)}`,
					);
				if (entries === 0)
					this.find(
						'wrongFinalState',
						`${item.name}: the uploaded certificate is not on the connector`,
					);
			}
		});
	}
}
