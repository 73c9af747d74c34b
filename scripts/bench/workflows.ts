// The workflows `npm run bench` imports: N items into the way under measurement, and a webhook for the token
// count over many executions in one running n8n.
import {
	codeNode,
	linearWorkflow,
	manualTriggerNode,
	userFlowNode,
	webhookNode,
	type WorkflowNode,
} from '../workflowNodes';
import {
	A_DEFAULTS,
	FLOWS,
	GET_CONFIGURATION_ONE_FLOW,
	type Operation,
	type Way,
} from './scenarios';

/** The node under measurement, named Target: its execution time is the table's time. */
export function targetNode(operation: Operation, way: Way, graphBaseUrl: string): WorkflowNode {
	if (way.kind === 'editFields') {
		return {
			name: 'Target',
			type: 'n8n-nodes-base.set',
			typeVersion: 3.4,
			parameters: {
				assignments: {
					assignments: [
						{ id: 'flow-copy', name: 'flowCopy', value: '={{ $json.flow }}', type: 'string' },
					],
				},
				options: {},
			},
		};
	}
	if (way.kind === 'node') {
		return userFlowNode(
			'Target',
			{ ...operation.parameters, requestOptions: way.requestOptions },
			{ onError: 'continueRegularOutput' },
		);
	}
	const body = operation.body?.(graphBaseUrl);
	return {
		name: 'Target',
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		parameters: {
			method: operation.method,
			url: `=${graphBaseUrl}/v1.0${operation.path('{{ $json.flow }}')}`,
			authentication: 'genericCredentialType',
			genericAuthType: 'httpHeaderAuth',
			...(body ? { sendBody: true, specifyBody: 'json', jsonBody: JSON.stringify(body) } : {}),
			options: way.kind === 'http' ? way.options : {},
		},
		credentials: { httpHeaderAuth: { id: 'benchBearer01', name: 'Graph bearer token' } },
	};
}

/** Manual Trigger → Code (N items, flows in turn) → the target; without a target: the baseline for CPU. */
export function benchWorkflow(id: string, items: number, target?: WorkflowNode): object {
	return linearWorkflow(id, id, [
		manualTriggerNode(),
		codeNode(
			`return Array.from({ length: ${items} }, (_, i) => ({ json: { flow: 'B2X_1_Bench' + (i % ${FLOWS}) } }));`,
		),
		...(target ? [target] : []),
	]);
}

/** Webhook → Get Configuration of one flow: what consecutive executions in one running n8n call. */
export function webhookWorkflow(id: string, path: string): object {
	return linearWorkflow(id, id, [
		webhookNode(path, 'lastNode'),
		targetNode(GET_CONFIGURATION_ONE_FLOW, A_DEFAULTS, ''),
	]);
}
