import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type JsonObject,
} from 'n8n-workflow';

import { RunParameters, type NodeRun, type OperationExecute } from '../helpers/nodeRun';
import { GraphClient, stoppedError } from '../transport';
import * as apiConnector from './apiConnector/ApiConnector.resource';
import * as apiConnectorConfiguration from './apiConnectorConfiguration/ApiConnectorConfiguration.resource';
import * as configuration from './configuration/Configuration.resource';
import { readRetryPolicy, readRunOptions } from './requestOptions';
import * as userFlow from './userFlow/UserFlow.resource';

/**
 * Parameters that hold secrets, at any depth (Configuration's Connector Secrets hold them in a list): an
 * error carries the node's parameters, so these are masked there.
 */
const SECRET_PARAMETERS = new Set(['password', 'pfxPassword']);

function masked(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(masked);
	if (value === null || typeof value !== 'object') return value;
	return Object.fromEntries(
		Object.entries(value).map(([name, entry]) => [
			name,
			SECRET_PARAMETERS.has(name) && typeof entry === 'string' && !entry.startsWith('=')
				? '******'
				: masked(entry),
		]),
	);
}

function withSecretsMasked(node: INode): INode {
	return { ...node, parameters: masked(node.parameters) as INode['parameters'] };
}

const RESOURCES: Record<string, Record<string, { execute: OperationExecute }>> = {
	userFlow: {
		create: userFlow.create,
		get: userFlow.get,
		getAll: userFlow.getAll,
		delete: userFlow.delete,
	},
	apiConnector: {
		create: apiConnector.create,
		get: apiConnector.get,
		getAll: apiConnector.getAll,
		update: apiConnector.update,
		uploadClientCertificate: apiConnector.uploadClientCertificate,
		delete: apiConnector.delete,
	},
	configuration: {
		export: configuration.export,
		plan: configuration.plan,
		apply: configuration.apply,
	},
	apiConnectorConfiguration: {
		get: apiConnectorConfiguration.get,
		setStep: apiConnectorConfiguration.setStep,
		disableStep: apiConnectorConfiguration.disableStep,
	},
};

/** What an error item carries under continue-on-fail: what went wrong and Graph's ids to quote to support. */
function errorJson(error: Error): IDataObject {
	const json: IDataObject = { error: error.message };
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		if (error.description) json.description = error.description;
	}
	if (error instanceof NodeApiError) {
		const response = (error.errorResponse ?? {}) as IDataObject;
		if (error.httpCode) json.httpCode = error.httpCode;
		if (response.code) json.code = response.code;
		if (response.requestId) json.requestId = response.requestId;
		if (response.clientRequestId) json.clientRequestId = response.clientRequestId;
	}
	return json;
}

/** Operations that only read: when one of their items fails, nothing in the tenant changed. */
const READ_ONLY_OPERATIONS = new Set(['get', 'getAll', 'export', 'plan']);

/** How an item's output names what it changed: the flow (and step) or the connector. */
function changedObject(json: IDataObject): string {
	const names = [json.userFlowId ?? json.id, json.step, json.apiConnectorId]
		.filter((value) => typeof value === 'string' && value !== '')
		.map(String);
	return names.length ? ` (${names.join(', ')})` : '';
}

/**
 * Without continue-on-fail n8n keeps no output of a failed node, so the error itself says which items had
 * already changed the tenant: items run side by side, and those that finished before the failure did apply.
 */
function appliedItemsNote(results: INodeExecutionData[][], failedItem: number): string | undefined {
	const applied = results.flatMap((output, itemIndex) =>
		output && itemIndex !== failedItem
			? [`item ${itemIndex + 1}${changedObject(output[0]?.json ?? {})}`]
			: [],
	);
	if (applied.length === 0) return undefined;
	return `Before the run stopped, these items had already been applied and are in the tenant: ${applied.join('; ')}.`;
}

function asNodeError(
	context: IExecuteFunctions,
	error: unknown,
	itemIndex: number,
	note?: string,
): Error {
	// Both constructors hand back an error of their own class unchanged.
	const nodeError =
		error instanceof NodeApiError
			? new NodeApiError(context.getNode(), error as unknown as JsonObject)
			: new NodeOperationError(context.getNode(), error as Error, { itemIndex });
	if (note) nodeError.description = [nodeError.description, note].filter(Boolean).join(' ');
	// n8n stores and shows the error's node with its parameters; `node` is readonly only in the typings.
	(nodeError as { node: INode }).node = withSecretsMasked(nodeError.node);
	return nodeError;
}

/**
 * Builds this run's Graph client and parameters once, then runs the chosen operation once per input item,
 * up to Concurrency items at a time; every item gets its output (or error) items, paired to it, in input order. Without continue-on-fail the first failure stops
 * new items from starting and fails the node once the running ones have finished; the user's Stop does the same.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	const execute = RESOURCES[resource]?.[operation]?.execute;
	if (!execute) {
		throw new NodeOperationError(
			this.getNode(),
			`The operation "${operation}" is not supported for "${resource}"`,
		);
	}
	const parameters = new RunParameters(this);
	const { batching, concurrency } = readRunOptions(parameters);
	// After the user's Stop no item starts: n8n has already ended the execution, the tenant must not change further.
	// (n8n versions before the cancel signal have no Stop to honour.)
	const signal =
		typeof this.getExecutionCancelSignal === 'function'
			? this.getExecutionCancelSignal()
			: undefined;
	// A run from the editor: a person is watching, so long waits end with an error unless allowed.
	const interactive = this.getMode() === 'manual';
	const graph = new GraphClient(this, {
		batching,
		signal,
		retryPolicy: (itemIndex) => readRetryPolicy(parameters, itemIndex, interactive),
	});
	const run: NodeRun = { graph, parameters };
	const continueOnFail = this.continueOnFail();
	const results: INodeExecutionData[][] = new Array(items.length);
	// Set by the workers; an object, so TypeScript does not narrow it away across the awaits.
	const stop: { failure?: { itemIndex: number; error: unknown } } = {};
	// The lowest failing item is the one reported, as if the items had run one after another.
	const recordFailure = (itemIndex: number, error: unknown) => {
		if (!stop.failure || itemIndex < stop.failure.itemIndex) stop.failure = { itemIndex, error };
	};
	let next = 0;
	const worker = async () => {
		while (next < items.length && !stop.failure && !signal?.aborted) {
			const itemIndex = next++;
			try {
				const result = await execute.call(this, run, itemIndex);
				results[itemIndex] = (Array.isArray(result) ? result : [result]).map((json) => ({
					json,
					pairedItem: { item: itemIndex },
				}));
			} catch (error) {
				if (continueOnFail) {
					results[itemIndex] = [
						{ json: errorJson(error as Error), pairedItem: { item: itemIndex } },
					];
				} else {
					recordFailure(itemIndex, error);
				}
			}
		}
	};
	await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
	if (signal?.aborted) throw stoppedError(this.getNode());
	if (stop.failure) {
		const { error, itemIndex } = stop.failure;
		const note = READ_ONLY_OPERATIONS.has(operation)
			? undefined
			: appliedItemsNote(results, itemIndex);
		throw asNodeError(this, error, itemIndex, note);
	}
	return [results.flat()];
}
