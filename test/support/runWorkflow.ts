// In-process n8n workflow runner: n8n-core's real WorkflowExecute, with a credentials helper that applies
// the credential type's own `authenticate`, as n8n's CLI does. Modelled on ../shared/reference/run-workflow.ts.
import { ExecutionLifecycleHooks, LoadOptionsContext, WorkflowExecute } from 'n8n-core';
import {
	ICredentialsHelper,
	NodeHelpers,
	Workflow,
	createRunExecutionData,
	type ICredentialDataDecryptedObject,
	type ICredentialType,
	type IDataObject,
	type IHttpRequestOptions,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type INodeTypes,
	type IRun,
	type ITriggerFunctions,
	type IWorkflowBase,
	type IWorkflowExecuteAdditionalData,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

import { MicrosoftEntraUserFlowsApi } from '../../credentials/MicrosoftEntraUserFlowsApi.credentials';
import { UserFlowApiConnectors } from '../../nodes/UserFlowApiConnectors/UserFlowApiConnectors.node';
import { assertNoSecrets } from './secrets';

export const PACKAGE_NODE_TYPE = 'n8n-nodes-entra-user-flows.userFlowApiConnectors';
export const CREDENTIAL_TYPE = 'microsoftEntraUserFlowsApi';
/** The id under which the examples name the credential of the production tenant (the others name one by type). */
export const ENTRA_PRODUCTION_CREDENTIAL_ID = 'entraEmulatorProd01';

/** A manual trigger that emits the items (json and binary) given in its `items` parameter. */
class ItemsTrigger implements INodeType {
	description = {
		displayName: 'Items Trigger',
		name: 'itemsTrigger',
		group: ['trigger'],
		version: 1,
		description: 'Emits the given items',
		defaults: { name: 'Items Trigger' },
		inputs: [],
		outputs: ['main'],
		properties: [{ displayName: 'Items', name: 'items', type: 'json', default: '[{}]' }],
	} as unknown as INodeTypeDescription;

	async trigger(this: ITriggerFunctions) {
		const items = JSON.parse(
			this.getNodeParameter('items', '[]') as string,
		) as INodeExecutionData[];
		return { manualTriggerFunction: async () => this.emit([items]) };
	}
}

/** Same behaviour as n8n-nodes-base.manualTrigger, so example workflows run unchanged. */
class ManualTrigger implements INodeType {
	description = {
		displayName: 'Manual Trigger',
		name: 'manualTrigger',
		group: ['trigger'],
		version: 1,
		description: '',
		defaults: { name: 'Manual Trigger' },
		inputs: [],
		outputs: ['main'],
		properties: [],
	} as unknown as INodeTypeDescription;

	async trigger(this: ITriggerFunctions) {
		return { manualTriggerFunction: async () => this.emit([this.helpers.returnJsonArray([{}])]) };
	}
}

class CredentialsHelper extends ICredentialsHelper {
	constructor(
		private readonly types: Record<string, ICredentialType>,
		private readonly data: Record<string, ICredentialDataDecryptedObject>,
	) {
		super();
	}
	getParentTypes() {
		return [];
	}
	getCredentialsProperties() {
		return [];
	}
	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		type: string,
		request: IHttpRequestOptions,
	) {
		const authenticate = this.types[type]?.authenticate;
		return typeof authenticate === 'function' ? await authenticate(credentials, request) : request;
	}
	async preAuthentication() {
		return undefined;
	}
	async runPreAuthentication() {
		return undefined;
	}
	/** The credential a node names by id (a workflow with two tenants), else the one of its type. */
	async getDecrypted(
		_additionalData: unknown,
		nodeCredentials: { id?: string | null },
		type: string,
	) {
		// A copy, as n8n decrypts afresh for every call.
		return { ...(this.data[nodeCredentials?.id ?? ''] ?? this.data[type] ?? {}) };
	}
	async getCredentials(): Promise<never> {
		throw new Error('not supported in tests');
	}
	async updateCredentials() {}
	async updateCredentialsOauthTokenData() {}
	isCredentialUsableByNode() {
		return true;
	}
}

export interface NodeRunOptions {
	/** The node's parameters, as the editor would save them. */
	parameters: INode['parameters'];
	/** Input items for the node (one empty item by default). */
	items?: IDataObject[];
	/** Input items with binary data (n8n's inline form: base64 in binary.<field>.data); replaces `items`. */
	inputItems?: INodeExecutionData[];
	credentials: ICredentialDataDecryptedObject;
	continueOnFail?: boolean;
	/** Stops the execution when it resolves, as the editor's Stop button does. */
	stopWhen?: Promise<unknown>;
	/** How n8n started the execution: 'manual' (the editor, the default) or an unattended mode such as 'trigger'. */
	mode?: WorkflowExecuteMode;
}

export interface NodeRunResult {
	run: IRun;
	/** The node's first output, or [] when it failed. */
	output: INodeExecutionData[];
	/** The error that stopped the workflow, if any. */
	error?: Error & { description?: string; httpCode?: string | null; context?: IDataObject };
}

const NODE_NAME = 'User Flow API Connectors';

/** The package's node as a workflow holds it, with the test credential. */
function packageNode(parameters: INode['parameters'], position: [number, number]): INode {
	return {
		id: 'node',
		name: NODE_NAME,
		type: PACKAGE_NODE_TYPE,
		typeVersion: 1,
		position,
		parameters,
		credentials: { [CREDENTIAL_TYPE]: { id: '1', name: 'Entra (emulator)' } },
	};
}

export async function runNode(options: NodeRunOptions): Promise<NodeRunResult> {
	const workflowData: Pick<IWorkflowBase, 'nodes' | 'connections' | 'settings'> = {
		nodes: [
			{
				id: 'trigger',
				name: 'Items Trigger',
				type: 'test.itemsTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {
					items: JSON.stringify(
						options.inputItems ?? (options.items ?? [{}]).map((json) => ({ json })),
					),
				},
			},
			{
				...packageNode(options.parameters, [200, 0]),
				onError: options.continueOnFail ? 'continueRegularOutput' : 'stopWorkflow',
			},
		],
		connections: { 'Items Trigger': { main: [[{ node: NODE_NAME, type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
	const run = await runWorkflow(
		workflowData,
		{ [CREDENTIAL_TYPE]: options.credentials },
		options.stopWhen,
		options.mode,
	);
	const taskData = run.data.resultData.runData[NODE_NAME]?.[0];
	const result = {
		run,
		output: taskData?.data?.main?.[0] ?? [],
		error: (run.data.resultData.error ?? taskData?.error) as NodeRunResult['error'],
	};
	// The suite-wide secret scan: what the node returned and every part of its error.
	assertNoSecrets(
		{
			output: result.output,
			error: result.error,
			message: result.error?.message,
			description: result.error?.description,
		},
		`the output or error of ${JSON.stringify(options.parameters).slice(0, 120)}`,
	);
	return result;
}

/** What n8n hands a node besides its parameters; anything not set here is simply undefined. */
export function createAdditionalData(
	credentials: Record<string, ICredentialDataDecryptedObject>,
	hooks?: ExecutionLifecycleHooks,
): IWorkflowExecuteAdditionalData {
	const credentialTypes = { [CREDENTIAL_TYPE]: new MicrosoftEntraUserFlowsApi() };
	const base: Partial<IWorkflowExecuteAdditionalData> = {
		hooks,
		credentialsHelper: new CredentialsHelper(credentialTypes, credentials),
		executionId: '1',
		variables: {},
		instanceBaseUrl: 'http://localhost:5678/',
		restApiUrl: 'http://localhost:5678/rest',
		webhookBaseUrl: 'http://localhost:5678/webhook',
		webhookTestBaseUrl: 'http://localhost:5678/webhook-test',
		webhookWaitingBaseUrl: 'http://localhost:5678/webhook-waiting',
		formWaitingBaseUrl: 'http://localhost:5678/form-waiting',
	};
	return new Proxy(base, {
		get: (target, key) => (target as Record<string | symbol, unknown>)[key],
	}) as IWorkflowExecuteAdditionalData;
}

export async function runWorkflow(
	workflowData: Pick<IWorkflowBase, 'nodes' | 'connections' | 'settings'>,
	credentials: Record<string, ICredentialDataDecryptedObject>,
	stopWhen?: Promise<unknown>,
	mode: WorkflowExecuteMode = 'manual',
): Promise<IRun> {
	const registered: Record<string, INodeType> = {
		'test.itemsTrigger': new ItemsTrigger(),
		'n8n-nodes-base.manualTrigger': new ManualTrigger(),
		[PACKAGE_NODE_TYPE]: new UserFlowApiConnectors(),
	};
	const nodeTypes: INodeTypes = {
		getByName: (type) => {
			if (!registered[type]) throw new Error(`Unknown node type ${type}`);
			return registered[type];
		},
		getByNameAndVersion: (type, version) =>
			NodeHelpers.getVersionedNodeType(nodeTypes.getByName(type), version),
		getKnownTypes: () => ({}),
	};
	const workflow = new Workflow({
		id: 'test',
		nodes: workflowData.nodes,
		connections: workflowData.connections,
		settings: workflowData.settings,
		active: false,
		nodeTypes,
	});
	const hooks = new ExecutionLifecycleHooks(mode, '1', workflowData as IWorkflowBase);
	let resolve!: (run: IRun) => void;
	const done = new Promise<IRun>((r) => (resolve = r));
	hooks.addHandler('workflowExecuteAfter', (run) => resolve(run));
	const additionalData = createAdditionalData(credentials, hooks);
	const startNode = workflow.getStartNode();
	if (!startNode) throw new Error('The workflow has no start node');
	const runExecutionData = createRunExecutionData({
		executionData: {
			nodeExecutionStack: [{ node: startNode, data: { main: [[{ json: {} }]] }, source: null }],
		},
	});
	const execution = new WorkflowExecute(
		additionalData,
		mode,
		runExecutionData,
	).processRunExecutionData(workflow);
	void stopWhen?.then(() => execution.cancel());
	await execution;
	return await done;
}

/**
 * Calls one of the node's list-search methods the way the editor's "From list" mode does: in a
 * LoadOptionsContext for a node with the given parameters.
 */
/** A workflow of one node, for what n8n runs outside an execution: list search, a credential's test. */
export function oneNodeWorkflow(node: INode, nodeType: INodeType): Workflow {
	return new Workflow({
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: {
			getByName: () => nodeType,
			getByNameAndVersion: () => nodeType,
			getKnownTypes: () => ({}),
		},
	});
}

export async function searchList(
	method: 'searchUserFlows' | 'searchApiConnectors',
	options: {
		parameters: INode['parameters'];
		credentials: ICredentialDataDecryptedObject;
		filter?: string;
		paginationToken?: string;
	},
) {
	const nodeType = new UserFlowApiConnectors();
	const node = packageNode(options.parameters, [0, 0]);
	const workflow = oneNodeWorkflow(node, nodeType);
	const additionalData = createAdditionalData({ [CREDENTIAL_TYPE]: options.credentials });
	// The editor sends the node's current parameters along with the search (n8n's dynamic-node-parameters).
	additionalData.currentNodeParameters = options.parameters;
	const context = new LoadOptionsContext(workflow, node, additionalData, '');
	return await nodeType.methods.listSearch[method].call(
		context,
		options.filter,
		options.paginationToken,
	);
}
