import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type JsonObject,
} from 'n8n-workflow';

import * as apiConnector from './apiConnector/ApiConnector.resource';
import * as apiConnectorConfiguration from './apiConnectorConfiguration/ApiConnectorConfiguration.resource';
import * as userFlow from './userFlow/UserFlow.resource';

/** Parameters that hold secrets: an error carries the node's parameters, so these are masked there. */
const SECRET_PARAMETERS = ['password', 'pfxPassword'];

function withSecretsMasked(node: INode): INode {
	const parameters = { ...node.parameters };
	for (const name of SECRET_PARAMETERS) {
		if (typeof parameters[name] === 'string' && !String(parameters[name]).startsWith('=')) parameters[name] = '******';
	}
	return { ...node, parameters };
}

type OperationExecute = (this: IExecuteFunctions, itemIndex: number) => Promise<IDataObject | IDataObject[]>;

const RESOURCES: Record<string, Record<string, { execute: OperationExecute }>> = {
	userFlow: { create: userFlow.create, get: userFlow.get, getAll: userFlow.getAll, delete: userFlow.delete },
	apiConnector: {
		create: apiConnector.create,
		get: apiConnector.get,
		getAll: apiConnector.getAll,
		update: apiConnector.update,
		uploadClientCertificate: apiConnector.uploadClientCertificate,
		delete: apiConnector.delete,
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

/** Runs the chosen operation once per input item; every item gets an output (or error) item paired to it. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	const execute = RESOURCES[resource]?.[operation]?.execute;
	if (!execute) {
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not supported for "${resource}"`);
	}
	const returnData: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const result = await execute.call(this, itemIndex);
			for (const json of Array.isArray(result) ? result : [result]) {
				returnData.push({ json, pairedItem: { item: itemIndex } });
			}
		} catch (error) {
			if (this.continueOnFail()) {
				returnData.push({ json: errorJson(error as Error), pairedItem: { item: itemIndex } });
				continue;
			}
			// Both constructors hand back an error of their own class unchanged.
			const nodeError =
				error instanceof NodeApiError
					? new NodeApiError(this.getNode(), error as unknown as JsonObject)
					: new NodeOperationError(this.getNode(), error as Error, { itemIndex });
			// n8n stores and shows the error's node with its parameters; `node` is readonly only in the typings.
			(nodeError as { node: INode }).node = withSecretsMasked(nodeError.node);
			throw nodeError;
		}
	}
	return [returnData];
}
