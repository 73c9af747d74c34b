// `npm run test:e2e` through the n8n CLI: every example workflow executed, then one under n8n's SSRF protection.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import type { Emulator } from '../../emulator';
import { EXAMPLE_CHECKS } from '../../test/support/exampleChecks';
import type { PreparedN8n } from '../prepareN8n';
import { parseExecution, repository, timed } from '../realN8n';
import { check } from './check';

interface ExampleWorkflow {
	id: string;
	nodes: Array<{ credentials?: { microsoftEntraUserFlowsApi?: { id: string } } }>;
}

const exampleWorkflow = (file: string) =>
	JSON.parse(readFileSync(join(repository, 'examples', file), 'utf8')) as ExampleWorkflow;

/** The id an example workflow is imported under. */
const exampleWorkflowId = (file: string) => exampleWorkflow(file).id;

/** One token per app registration: the Entra credentials the example's nodes name. */
const exampleCredentials = (file: string) =>
	new Set(
		exampleWorkflow(file).nodes.flatMap(
			(node) => node.credentials?.microsoftEntraUserFlowsApi?.id ?? [],
		),
	).size;

/** Every example `n8n execute` can run to its end (the drift check waits for an approval: configurationDrift.ts). */
export async function runExamples(emulator: Emulator, { cli }: PreparedN8n): Promise<void> {
	const examples = readdirSync(join(repository, 'examples')).filter(
		(file) => file.endsWith('.json') && file in EXAMPLE_CHECKS,
	);
	let graphRequests = 0;
	const connections = new Set<string>();
	for (const file of examples) {
		emulator.reset();
		emulator.clearRequests();
		const workflowPath = join(repository, 'examples', file);
		const workflowId = exampleWorkflowId(file);
		await cli(['import:workflow', `--input=${workflowPath}`]);
		const output = await timed(`n8n execute ${file}`, () =>
			cli(['execute', `--id=${workflowId}`, '--rawOutput']),
		);
		const execution = parseExecution(output);
		let failure =
			execution.status === 'success'
				? ''
				: `status ${execution.status}: ${execution.data.resultData.error?.message ?? ''}`;
		if (!failure) {
			try {
				EXAMPLE_CHECKS[file](execution.data.resultData.runData, {
					dev: emulator.state.requireTenant(emulator.defaults.tenantId),
					production: emulator.state.requireTenant(emulator.defaults.productionTenantId),
				});
			} catch (error) {
				failure = (error as Error).message;
			}
		}
		const tokens = emulator.tokenRequests().length;
		const graph = emulator.graphRequests();
		graphRequests += graph.length;
		for (const request of graph) connections.add(`${file}:${request.connection}`);
		check(
			`n8n execute examples/${file}`,
			!failure,
			failure || `${graph.length} Graph requests, ${tokens} token request(s)`,
		);
		check(
			`  token acquired through @azure/identity inside n8n and sent as a bearer token (${file})`,
			tokens === exampleCredentials(file) &&
				graph.length > 0 &&
				graph.every((request) => request.hasBearer),
			`${tokens} token request(s) for ${exampleCredentials(file)} credential(s)`,
		);
	}
	check(
		'Graph requests inside n8n share TLS connections kept open',
		connections.size < graphRequests,
		`${graphRequests} Graph requests on ${connections.size} connections`,
	);
}

/**
 * With n8n's SSRF protection on, the emulator's loopback address is refused before the node connects (n8n's
 * egress filter, handed to the node); allowed by N8N_SSRF_ALLOWED_IP_RANGES, the same workflow runs.
 */
export async function checkEgressFilter(emulator: Emulator, { cli }: PreparedN8n): Promise<void> {
	const workflowId = exampleWorkflowId('user-flow-api-connectors.json');
	const execute = async (extra: NodeJS.ProcessEnv) => {
		emulator.reset();
		emulator.clearRequests();
		const output = await cli(['execute', `--id=${workflowId}`, '--rawOutput'], {
			N8N_SSRF_PROTECTION_ENABLED: 'true',
			...extra,
		}).catch((error: Error) => error.message);
		return { output, graph: emulator.graphRequests().length };
	};
	const blocked = await execute({});
	check(
		"n8n's SSRF protection refuses the emulator's loopback address before the node sends anything",
		blocked.graph === 0 && blocked.output.includes('SsrfBlockedIpError'),
		`${blocked.graph} Graph requests`,
	);
	const allowed = await execute({ N8N_SSRF_ALLOWED_IP_RANGES: '127.0.0.0/8' });
	let status: string;
	try {
		status = parseExecution(allowed.output).status;
	} catch {
		status = allowed.output.slice(-300);
	}
	check(
		'  allowed by N8N_SSRF_ALLOWED_IP_RANGES, the same workflow runs',
		allowed.graph > 0 && status === 'success',
		status,
	);
}
