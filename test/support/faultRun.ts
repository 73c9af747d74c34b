// A fault-injection run: Create, Set Step and Disable Step through n8n's engine against the emulator while it
// throttles, fails, drops and slows Graph requests at random (a seeded profile). Used by `npm run test:faults`
// (1,000 operations, figures printed) and, smaller, by the jest suite.
import type { IDataObject } from 'n8n-workflow';

import type { Emulator, FaultProfile } from '../../emulator';
import { SEEDED_CONNECTORS } from '../../emulator/state';
import { secretCredential } from './credentials';
import { runNode } from './runWorkflow';

export interface FaultRunOptions {
	/** Create + Set Step + Disable Step operations in all. */
	operations: number;
	/** Executions run side by side, each on its own share of the flows. */
	lanes: number;
	seed: number;
	/** The node's Request Timeout; slow answers take longer than this. */
	requestTimeoutSeconds: number;
}

export interface FaultFigures {
	itemsIn: number;
	successItems: number;
	errorItems: number;
	lostItems: number;
	/** Flows created more than once, or Creates that failed on their own earlier success. */
	duplicateEffects: number;
	/** Flows whose final state differs from what their successful items asked. */
	wrongFinalState: number;
	graphRequests: number;
	retries: number;
	retryAfterWaitSeconds: number;
	injectedFaults: Record<string, number>;
	errors: string[];
	seconds: number;
}

const [connector1, connector2] = SEEDED_CONNECTORS;
const byExpression = (expression: string) => ({ __rl: true, mode: 'id', value: expression });

export function faultProfile(seed: number, requestTimeoutSeconds: number): FaultProfile {
	return {
		seed,
		throttleWithRetryAfter: 0.1,
		throttleWithoutRetryAfter: 0.1,
		unavailable: 0.05,
		dropped: 0.02,
		slow: 0.02,
		slowMs: requestTimeoutSeconds * 1000 + 500,
		retryAfterSeconds: 1,
	};
}

/** One lane: create its flows (postFederationSignup linked at creation), set postAttributeCollection, disable postFederationSignup. */
async function runLane(emulator: Emulator, names: string[], options: FaultRunOptions) {
	const credentials = secretCredential(emulator);
	const requestOptions = {
		maxRetries: 10,
		maxRetryWaitSeconds: 120,
		requestTimeoutSeconds: options.requestTimeoutSeconds,
	};
	const items = names.map((name, index) => ({
		name,
		connector: index % 2 ? connector2.id : connector1.id,
	}));
	const run = async (parameters: Record<string, unknown>) =>
		(
			await runNode({
				parameters: { ...parameters, requestOptions } as never,
				items,
				credentials,
				continueOnFail: true,
			})
		).output;
	const outputs = [
		await run({
			resource: 'userFlow',
			operation: 'create',
			flowKind: 'b2x',
			userFlowName: '={{ $json.name }}',
			additionalFields: { postFederationSignupConnectorId: connector1.id },
		}),
		await run({
			resource: 'apiConnectorConfiguration',
			operation: 'setStep',
			flowKind: 'b2x',
			userFlow: byExpression('={{ $json.name }}'),
			step: 'postAttributeCollection',
			apiConnector: byExpression('={{ $json.connector }}'),
		}),
		await run({
			resource: 'apiConnectorConfiguration',
			operation: 'disableStep',
			flowKind: 'b2x',
			userFlow: byExpression('={{ $json.name }}'),
			step: 'postFederationSignup',
		}),
	];
	return { items, outputs };
}

export async function runFaultScenario(
	emulator: Emulator,
	options: FaultRunOptions,
): Promise<FaultFigures> {
	const started = Date.now();
	const flowsPerLane = Math.ceil(options.operations / 3 / options.lanes);
	const lanes = Array.from({ length: options.lanes }, (_, lane) =>
		Array.from(
			{ length: flowsPerLane },
			(_, index) => `Fault${String(lane).padStart(2, '0')}x${String(index).padStart(4, '0')}`,
		),
	);
	emulator.setFaultProfile(faultProfile(options.seed, options.requestTimeoutSeconds));
	const results = await Promise.all(
		lanes.map(async (names) => await runLane(emulator, names, options)),
	);
	const injectedFaults = { ...emulator.injectedFaults };
	emulator.setFaultProfile(undefined);

	const tenant = emulator.state.requireTenant(emulator.defaults.tenantId);
	const figures: FaultFigures = {
		itemsIn: 0,
		successItems: 0,
		errorItems: 0,
		lostItems: 0,
		duplicateEffects: 0,
		wrongFinalState: 0,
		graphRequests: 0,
		retries: 0,
		retryAfterWaitSeconds:
			(injectedFaults['429 with Retry-After'] ?? 0) * faultProfile(0, 0).retryAfterSeconds,
		injectedFaults,
		errors: [],
		seconds: 0,
	};
	for (const { items, outputs } of results) {
		for (const [operation, output] of outputs.entries()) {
			figures.itemsIn += items.length;
			const paired = new Set(output.map((item) => (item.pairedItem as { item: number }).item));
			figures.lostItems += items.length - paired.size;
			for (const item of output) {
				if (item.json.error) {
					figures.errorItems++;
					figures.errors.push(
						`${['create', 'setStep', 'disableStep'][operation]} ${items[(item.pairedItem as { item: number }).item].name}: ${String(item.json.error)}`,
					);
					if (operation === 0 && item.json.httpCode === '409') figures.duplicateEffects++;
				} else {
					figures.successItems++;
				}
			}
		}
		// What the successful items asked for is what the directory must hold.
		items.forEach(({ name, connector }, index) => {
			const succeeded = (operation: number) =>
				outputs[operation].some(
					(item) => (item.pairedItem as { item: number }).item === index && !item.json.error,
				);
			const flow = tenant.userFlow('b2x', `B2X_1_${name}`);
			if (succeeded(0) && !flow) figures.wrongFinalState++;
			if (
				succeeded(1) &&
				succeeded(2) &&
				(flow?.apiConnectors.postAttributeCollection !== connector ||
					flow?.apiConnectors.postFederationSignup !== undefined)
			) {
				figures.wrongFinalState++;
			}
		});
	}
	const creations = emulator
		.graphRequests()
		.filter((request) => request.method === 'POST' && request.status === 201);
	const createdIds = creations.map((request) => String((request.body as IDataObject)?.id));
	figures.duplicateEffects += createdIds.length - new Set(createdIds).size;
	const graph = emulator.graphRequests();
	figures.graphRequests = graph.length;
	figures.retries =
		graph.length - new Set(graph.map((request) => request.headers['client-request-id'])).size;
	figures.seconds = (Date.now() - started) / 1000;
	return figures;
}
