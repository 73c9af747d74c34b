// `npm run test:e2e`: the packed package installed into a real n8n 2.41.1 (on Node 24, both from the npm
// registry, cached in .cache/), every example workflow run by the n8n CLI against the local emulator (and once
// under n8n's SSRF protection), the credential's Test button exercised through the REST API of a started n8n, and
// an execution stopped there by its timeout.
// Prints a summary line.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startEmulator, type Emulator } from '../emulator';
import { EXAMPLE_CHECKS } from '../test/support/exampleChecks';
import { seedFlowItems, setStepFromItems } from '../test/support/setStep';
import { prepareN8n, type PreparedN8n } from './prepareN8n';
import { parseExecution, repository, run, setUpOwner, startN8n, timed } from './realN8n';
import { codeNode, linearWorkflow, PACKAGE_NAME, userFlowNode, webhookNode } from './workflowNodes';

const results: Array<{ name: string; ok: boolean; detail: string }> = [];

function check(name: string, ok: boolean, detail = '') {
	results.push({ name, ok, detail });
	console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` (${detail})` : ''}`);
}

async function inspectPackage(tarball: string): Promise<void> {
	const files = (await run('tar', ['tzf', tarball])).trim().split('\n');
	const unexpected = files.filter(
		(file) => !/^package\/(dist\/.+|README\.md|LICENSE|package\.json)$/.test(file),
	);
	check(
		'npm pack holds only dist, README, LICENSE and package.json',
		unexpected.length === 0,
		unexpected.join(', ') || `${files.length} files`,
	);
}

/** The scanner must find nothing but the one rule the README justifies (a runtime dependency on @azure/identity). */
async function scan(tarball: string, work: string): Promise<void> {
	const unpacked = join(work, 'unpacked');
	mkdirSync(unpacked);
	await run('tar', ['xzf', tarball, '-C', unpacked]);
	const stdout = await run(
		process.execPath,
		[join(repository, 'scripts', 'scan-package.mjs'), join(unpacked, 'package')],
		{ cwd: repository },
	);
	const report = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
		passed: boolean;
		violations: Array<{ rule: string; message: string }>;
	};
	const others = report.violations.filter(
		(v) => v.rule !== '@n8n/community-nodes/no-runtime-dependencies',
	);
	check(
		"n8n's community-package scanner: no violation besides the justified runtime dependency",
		report.violations !== undefined &&
			others.length === 0 &&
			(report.passed || report.violations.length > 0),
		report.passed ? 'passed' : `exceptions: ${report.violations.map((v) => v.rule).join(', ')}`,
	);
}

/** The id an example workflow is imported under. */
const exampleWorkflowId = (file: string) =>
	(JSON.parse(readFileSync(join(repository, 'examples', file), 'utf8')) as { id: string }).id;

async function runExamples(emulator: Emulator, { cli }: PreparedN8n): Promise<void> {
	const examples = readdirSync(join(repository, 'examples')).filter((file) =>
		file.endsWith('.json'),
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
				EXAMPLE_CHECKS[file](
					execution.data.resultData.runData,
					emulator.state.requireTenant(emulator.defaults.tenantId),
				);
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
			tokens === 1 && graph.length > 0 && graph.every((request) => request.hasBearer),
			`${tokens} token request(s)`,
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
async function checkEgressFilter(emulator: Emulator, { cli }: PreparedN8n): Promise<void> {
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

const STOP_FLOWS = Array.from({ length: 300 }, (_, i) => `B2X_1_Stop${i}`);
const STOP_PATH = 'e2e-stop';

/**
 * Webhook → Code (300 items) → Set Step, with the workflow's own Timeout of 5 s: n8n stops the execution as the
 * editor's Stop button does. With checkStop's latency, all items would take several times that timeout.
 */
async function importStoppedWorkflow(
	emulator: Emulator,
	{ cli }: PreparedN8n,
	work: string,
): Promise<void> {
	const items = seedFlowItems(emulator, STOP_FLOWS);
	const id = 'E2eStopped01';
	const workflow = linearWorkflow(
		id,
		'Stopped by its timeout',
		[
			webhookNode(STOP_PATH, 'onReceived'),
			codeNode(`return ${JSON.stringify(items)}.map((json) => ({ json }));`),
			userFlowNode('Set Step', setStepFromItems()),
		],
		{ executionTimeout: 5 },
	);
	const path = join(work, 'stopped-workflow.json');
	writeFileSync(path, JSON.stringify(workflow));
	await cli(['import:workflow', `--input=${path}`]);
	await cli(['publish:workflow', `--id=${id}`]);
}

/** n8n goes on running a stopped execution's node: the node itself must stop sending. */
async function checkStop(emulator: Emulator, baseUrl: string): Promise<void> {
	emulator.reset();
	seedFlowItems(emulator, STOP_FLOWS);
	emulator.clearRequests();
	emulator.setLatency(500);
	const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
	try {
		await fetch(`${baseUrl}/webhook/${STOP_PATH}`);
		await pause(8_000);
		const atEight = emulator.graphRequests().length;
		await pause(2_000);
		const atTen = emulator.graphRequests().length;
		check(
			'an execution stopped by its timeout sends nothing more to Graph',
			atEight > 0 && atEight < STOP_FLOWS.length && atTen === atEight,
			`${atEight} of ${STOP_FLOWS.length} requests sent by 8 s after the start, ${atTen} by 10 s`,
		);
	} finally {
		emulator.setLatency(0);
	}
}

/** The editor's Test button, the registered types and a stopped execution, in a started n8n. */
async function checkRunningN8n(
	emulator: Emulator,
	prepared: PreparedN8n,
	work: string,
): Promise<void> {
	await importStoppedWorkflow(emulator, prepared, work);
	const { credential } = prepared;
	const n8n = await startN8n(prepared.env);
	try {
		const cookie = await setUpOwner(n8n.baseUrl, {
			email: 'e2e@example.com',
			password: 'E2e-only-Passw0rd',
		});
		check('owner set up and logged in through the REST API', cookie.includes('='));
		const rest = async (path: string, body?: unknown) =>
			await fetch(`${n8n.baseUrl}${path}`, {
				method: body === undefined ? 'GET' : 'POST',
				headers: { Cookie: cookie, 'Content-Type': 'application/json' },
				body: body === undefined ? undefined : JSON.stringify(body),
			});

		const nodeTypes = (await (await rest('/types/nodes.json')).json()) as Array<{ name: string }>;
		const credentialTypes = (await (await rest('/types/credentials.json')).json()) as Array<{
			name: string;
		}>;
		check(
			`node type registered as ${PACKAGE_NAME}.userFlowApiConnectors (and its AI tool variant)`,
			['userFlowApiConnectors', 'userFlowApiConnectorsTool'].every((name) =>
				nodeTypes.some((type) => type.name === `${PACKAGE_NAME}.${name}`),
			),
		);
		check(
			'credential type microsoftEntraUserFlowsApi registered',
			credentialTypes.some((type) => type.name === 'microsoftEntraUserFlowsApi'),
		);

		emulator.clearRequests();
		const good = (await (
			await rest('/rest/credentials/test', { credentials: credential })
		).json()) as { data: { status: string; message: string } };
		check(
			'credential Test button with the right secret',
			good.data?.status === 'OK',
			good.data?.message,
		);
		const wrongSecret = 'e2e-wrong-secret-value';
		const wrong = (await (
			await rest('/rest/credentials/test', {
				credentials: {
					...credential,
					data: { ...(credential.data as object), clientSecret: wrongSecret },
				},
			})
		).json()) as { data: { status: string; message: string } };
		check(
			'credential Test button with a wrong secret names AADSTS7000215 and hides the secret',
			wrong.data?.status === 'Error' &&
				wrong.data.message.includes('AADSTS7000215') &&
				!wrong.data.message.includes(wrongSecret),
			wrong.data?.message,
		);
		check(
			'the Test button reached the emulator for tokens and Graph',
			emulator.tokenRequests().length >= 2 && emulator.graphRequests().length >= 1,
		);
		await checkStop(emulator, n8n.baseUrl);
	} finally {
		await n8n.stop();
		if (results.some((result) => !result.ok)) console.log(n8n.log().slice(-4000));
	}
}

async function main() {
	const started = Date.now();
	const work = mkdtempSync(join(tmpdir(), 'n8n-entra-e2e-'));
	const emulator = await startEmulator();
	try {
		const lint = await run('npm', ['run', 'lint'], { cwd: repository }).then(
			() => '',
			(error: Error) => error.message.slice(-2000),
		);
		check("n8n's community-node lint (npm run lint)", lint === '', lint);
		const prepared = await prepareN8n({ work, emulator });
		await inspectPackage(prepared.tarball);
		await scan(prepared.tarball, work);
		await runExamples(emulator, prepared);
		await checkEgressFilter(emulator, prepared);
		await checkRunningN8n(emulator, prepared, work);
	} finally {
		await emulator.close();
		rmSync(work, { recursive: true, force: true });
	}
	const failed = results.filter((result) => !result.ok).length;
	console.log(`\nend to end in ${((Date.now() - started) / 1000).toFixed(0)} s`);
	console.log(`${results.length - failed} passed, ${failed} failed`);
	process.exit(failed ? 1 : 0);
}

main().catch((error) => {
	console.error(error);
	console.log(
		`${results.filter((r) => r.ok).length} passed, ${results.filter((r) => !r.ok).length + 1} failed`,
	);
	process.exit(1);
});
