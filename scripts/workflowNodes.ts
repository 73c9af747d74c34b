// The workflows the scripts import into a real n8n: nodes in a row, each one's output into the next.
import { randomUUID } from 'node:crypto';

import { ENTRA_CREDENTIAL } from './realN8n';

export const PACKAGE_NAME = 'n8n-nodes-entra-user-flows';

/** A node without its id and position, which `linearWorkflow` gives it. */
export type WorkflowNode = Record<string, unknown> & { name: string };

/** `nodes` left to right, each one's output into the next, with n8n's v1 execution order. */
export function linearWorkflow(
	id: string,
	name: string,
	nodes: WorkflowNode[],
	settings: object = {},
): object {
	return {
		id,
		name,
		nodes: nodes.map((node, i) => ({ id: `${id}-${i}`, position: [i * 200, 0], ...node })),
		connections: Object.fromEntries(
			nodes
				.slice(1)
				.map((node, i) => [
					nodes[i].name,
					{ main: [[{ node: node.name, type: 'main', index: 0 }]] },
				]),
		),
		settings: { executionOrder: 'v1', ...settings },
	};
}

export const manualTriggerNode = (): WorkflowNode => ({
	name: 'Start',
	type: 'n8n-nodes-base.manualTrigger',
	typeVersion: 1,
	parameters: {},
});

/**
 * A GET webhook on `path`, answering when it is received or with the last node's output: its first item's JSON,
 * or with `allEntries` every item's.
 */
export const webhookNode = (
	path: string,
	responseMode: 'onReceived' | 'lastNode',
	responseData?: 'allEntries',
): WorkflowNode => ({
	name: 'Webhook',
	type: 'n8n-nodes-base.webhook',
	typeVersion: 2,
	webhookId: randomUUID(),
	parameters: { httpMethod: 'GET', path, responseMode, responseData, options: {} },
});

/** A Code node named Items that returns what `jsCode` returns. */
export const codeNode = (jsCode: string): WorkflowNode => ({
	name: 'Items',
	type: 'n8n-nodes-base.code',
	typeVersion: 2,
	parameters: { jsCode },
});

/** This package's node with the emulator's credential. */
export const userFlowNode = (
	name: string,
	parameters: Record<string, unknown>,
	extra: Record<string, unknown> = {},
): WorkflowNode => ({
	name,
	type: `${PACKAGE_NAME}.userFlowApiConnectors`,
	typeVersion: 1,
	parameters,
	credentials: { microsoftEntraUserFlowsApi: ENTRA_CREDENTIAL },
	...extra,
});
