// `npm run bench`: one execution of N items in a real n8n (from .cache/, as for test:e2e), three ways side by
// side against the local emulator: (a) this node, (b) n8n's HTTP Request node with a bearer header credential,
// (c) a bare Node script; scenario L (20 ms latency) and T (100 requests/s per app + tenant). Prints a table.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { startEmulator, type Emulator } from '../test/emulator';
import { SEEDED_CONNECTORS } from '../test/emulator/state';
import { runTrustingEmulator } from '../test/emulator/trust';
import { seedFlowItems } from '../test/support/setStep';
import {
	credentialFile,
	ensureN8n,
	ensureNode24,
	freePort,
	installPackage,
	n8nBin,
	n8nEnvironment,
	packPackage,
	parseExecution,
	repository,
	run,
} from './realN8n';

const FLOWS = 50;
const flowName = (i: number) => `B2X_1_Bench${i % FLOWS}`;

interface Way {
	name: string;
	nodes: (graphBaseUrl: string, items: number) => object[];
}

const connectorRef = (graphBaseUrl: string) => `${graphBaseUrl}/v1.0/identity/apiConnectors/${SEEDED_CONNECTORS[0].id}`;

function itemsNode(items: number) {
	return {
		id: 'b-items',
		name: 'Items',
		type: 'n8n-nodes-base.code',
		typeVersion: 2,
		position: [200, 0],
		parameters: { jsCode: `return Array.from({ length: ${items} }, (_, i) => ({ json: { flow: 'B2X_1_Bench' + (i % ${FLOWS}) } }));` },
	};
}

const thisNode = (requestOptions: object): Way['nodes'] => () => [
	{
		id: 'b-target',
		name: 'Target',
		type: 'n8n-nodes-entra-user-flows.userFlowApiConnectors',
		typeVersion: 1,
		position: [400, 0],
		parameters: {
			resource: 'apiConnectorConfiguration',
			operation: 'setStep',
			flowKind: 'b2x',
			userFlow: { __rl: true, mode: 'id', value: '={{ $json.flow }}' },
			step: 'postAttributeCollection',
			apiConnector: { __rl: true, mode: 'id', value: SEEDED_CONNECTORS[0].id },
			requestOptions,
		},
		credentials: { microsoftEntraUserFlowsApi: { id: 'entraEmulator01', name: 'Microsoft Entra (local emulator)' } },
		onError: 'continueRegularOutput',
	},
];

const httpRequestNode = (options: object): Way['nodes'] => (graphBaseUrl) => [
	{
		id: 'b-target',
		name: 'Target',
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position: [400, 0],
		parameters: {
			method: 'PUT',
			url: `=${graphBaseUrl}/v1.0/identity/b2xUserFlows/{{ $json.flow }}/apiConnectorConfiguration/postAttributeCollection/$ref`,
			authentication: 'genericCredentialType',
			genericAuthType: 'httpHeaderAuth',
			sendBody: true,
			specifyBody: 'json',
			jsonBody: JSON.stringify({ '@odata.id': connectorRef(graphBaseUrl) }),
			options,
		},
		credentials: { httpHeaderAuth: { id: 'benchBearer01', name: 'Graph bearer token' } },
	},
];

/** (c): the same PUTs from a plain script, `concurrency` at a time, waiting out Retry-After. */
async function bareScript(emulator: Emulator, token: string, items: number, concurrency: number): Promise<{ ms: number; ok: number; failed: number }> {
	const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
	const body = JSON.stringify({ '@odata.id': connectorRef(emulator.graphBaseUrl) });
	const put = (flow: string) =>
		new Promise<{ status: number; retryAfter?: number }>((resolve, reject) => {
			const req = request(
				`${emulator.graphBaseUrl}/v1.0/identity/b2xUserFlows/${flow}/apiConnectorConfiguration/postAttributeCollection/$ref`,
				{ method: 'PUT', agent, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } },
				(res) => {
					res.resume();
					res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: Number(res.headers['retry-after']) || undefined }));
				},
			);
			req.on('error', reject);
			req.end(body);
		});
	let next = 0;
	let ok = 0;
	const started = Date.now();
	await Promise.all(
		Array.from({ length: concurrency }, async () => {
			while (next < items) {
				const flow = flowName(next++);
				for (;;) {
					const { status, retryAfter } = await put(flow);
					if (status === 429) {
						await new Promise((r) => setTimeout(r, (retryAfter ?? 1) * 1000));
						continue;
					}
					if (status < 300) ok++;
					break;
				}
			}
		}),
	);
	agent.destroy();
	return { ms: Date.now() - started, ok, failed: items - ok };
}

async function clientCredentialsToken(emulator: Emulator): Promise<string> {
	const response = await fetch(`${emulator.authorityHost}/${emulator.defaults.tenantId}/oauth2/v2.0/token`, {
		method: 'POST',
		body: new URLSearchParams({
			grant_type: 'client_credentials',
			client_id: emulator.defaults.clientId,
			client_secret: emulator.defaults.clientSecret,
			scope: 'https://graph.microsoft.com/.default',
		}),
	});
	return ((await response.json()) as { access_token: string }).access_token;
}

interface Measure {
	ms: number;
	ok: number;
	failed: number;
	roundTrips: number;
	throttled: number;
	tokens: number;
	rssMb?: number;
}

async function executeInN8n(emulator: Emulator, env: NodeJS.ProcessEnv, work: string, way: Way, items: number): Promise<Measure> {
	const id = `Bench${Math.random().toString(36).slice(2, 10)}`;
	const workflow = {
		id,
		name: id,
		nodes: [
			{ id: 'b-trigger', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			itemsNode(items),
			...way.nodes(emulator.graphBaseUrl, items),
		],
		connections: {
			Start: { main: [[{ node: 'Items', type: 'main', index: 0 }]] },
			Items: { main: [[{ node: 'Target', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
	const path = join(work, `${id}.json`);
	writeFileSync(path, JSON.stringify(workflow));
	await run(n8nBin, ['import:workflow', `--input=${path}`], { env });
	const rssFile = join(work, `${id}.rss`);
	const before = { requests: emulator.requests.length };
	const child = spawn(n8nBin, ['execute', `--id=${id}`, '--rawOutput'], {
		env: { ...env, MAX_RSS_FILE: rssFile, NODE_OPTIONS: `--require ${join(repository, 'scripts', 'max-rss.cjs')}` },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let output = '';
	child.stdout.on('data', (chunk: Buffer) => (output += chunk));
	child.stderr.on('data', (chunk: Buffer) => (output += chunk));
	await new Promise((done) => child.on('close', done));
	const task = parseExecution(output).data.resultData.runData.Target?.[0];
	const out = task?.data?.main?.[0] ?? [];
	const requests = emulator.requests.slice(before.requests);
	const graph = requests.filter((r) => /^\/(v1\.0|beta)\//.test(r.path) && r.batchId === undefined);
	const rss = readFileSync(rssFile, 'utf8')
		.trim()
		.split('\n')
		.map((line) => line.split(' ').map(Number))
		.find(([pid]) => pid === child.pid)?.[1];
	const ok = out.filter((item) => item.json.error === undefined).length;
	return {
		ms: task?.executionTime ?? NaN,
		ok,
		failed: items - ok,
		roundTrips: graph.length,
		throttled: requests.filter((r) => r.status === 429).length,
		tokens: requests.filter((r) => r.path.endsWith('/oauth2/v2.0/token')).length,
		rssMb: rss === undefined ? undefined : Math.round(rss / 1024),
	};
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
	const { values } = parseArgs({ options: { items: { type: 'string', default: '1000' }, runs: { type: 'string', default: '5' } } });
	const items = Number(values.items);
	const runs = Number(values.runs);
	const node24Bin = await ensureNode24();
	await ensureN8n(node24Bin);
	const work = mkdtempSync(join(tmpdir(), 'n8n-entra-bench-'));
	const emulator = await startEmulator();
	try {
		await installPackage(await packPackage(work), join(work, 'user'));
		const env = n8nEnvironment(join(work, 'user'), node24Bin, await freePort());
		const token = await clientCredentialsToken(emulator);
		const bearer = { id: 'benchBearer01', name: 'Graph bearer token', type: 'httpHeaderAuth', data: { name: 'Authorization', value: `Bearer ${token}` } };
		await run(n8nBin, ['import:credentials', `--input=${credentialFile(emulator, work, [bearer]).path}`], { env });

		const scenarios = [
			{
				name: 'L (20 ms latency)',
				setUp: () => emulator.setLatency(20),
				ways: [
					{ name: '(a) this node, defaults', nodes: thisNode({}) },
					{ name: '(a) this node, batching on', nodes: thisNode({ batching: true }) },
					{ name: '(b) HTTP Request, defaults', nodes: httpRequestNode({}) },
				],
			},
			{
				name: 'T (100 req/s, 20 ms)',
				setUp: () => {
					emulator.setLatency(20);
					emulator.setThrottle({ requests: 100, windowMs: 1000 });
				},
				ways: [
					{ name: '(a) this node, defaults', nodes: thisNode({}) },
					{ name: '(a) this node, batching on', nodes: thisNode({ batching: true }) },
					{ name: '(b) HTTP Request, defaults', nodes: httpRequestNode({}) },
					{ name: '(b) HTTP Request, batching 100/1000ms', nodes: httpRequestNode({ batching: { batch: { batchSize: 100, batchInterval: 1000 } } }) },
				],
			},
		];
		console.log(`N = ${items} items, median of ${runs} runs, n8n 2.41.1 on Node 24, emulator on 127.0.0.1\n`);
		console.log('scenario              way                                   time ms   ok  failed  trips  429s  tokens  RSS MB');
		for (const scenario of scenarios) {
			// Every run starts from the same tenant: the benchmark's flows, the scenario's latency and throttle.
			const prepare = () => {
				emulator.reset();
				seedFlowItems(emulator, Array.from({ length: FLOWS }, (_, f) => flowName(f)));
				scenario.setUp();
			};
			const floor: number[] = [];
			for (let i = 0; i < runs; i++) {
				prepare();
				floor.push((await bareScript(emulator, token, items, 8)).ms);
			}
			const rows: Array<[string, Measure]> = [];
			for (const way of scenario.ways) {
				const measures: Measure[] = [];
				for (let i = 0; i < runs; i++) {
					prepare();
					measures.push(await executeInN8n(emulator, env, work, way, items));
				}
				const m = measures.sort((x, y) => x.ms - y.ms)[Math.floor(measures.length / 2)];
				rows.push([way.name, m]);
				console.log(
					`${scenario.name.padEnd(21)} ${way.name.padEnd(37)} ${String(Math.round(m.ms)).padStart(7)} ${String(m.ok).padStart(5)} ${String(m.failed).padStart(7)} ${String(m.roundTrips).padStart(6)} ${String(m.throttled).padStart(5)} ${String(m.tokens).padStart(7)} ${String(m.rssMb ?? '?').padStart(7)}`,
				);
			}
			console.log(`${scenario.name.padEnd(21)} ${'(c) bare script, 8 at a time'.padEnd(37)} ${String(median(floor)).padStart(7)}`);
			const a = rows[0][1].ms;
			const b = rows.find(([name]) => name.startsWith('(b)'))![1].ms;
			console.log(`${''.padEnd(21)} ratios: a/b ${(a / b).toFixed(2)}, a/c ${(a / median(floor)).toFixed(2)}\n`);
		}
	} finally {
		await emulator.close();
		rmSync(work, { recursive: true, force: true });
	}
}

runTrustingEmulator(main);
