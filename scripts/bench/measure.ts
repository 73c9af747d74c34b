// One measured run of `npm run bench`: an `n8n execute` of an imported workflow or the bare script, from a tenant
// prepared the same way each time, with the Graph traffic the emulator saw.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Emulator } from '../../emulator';
import { seedFlowItems } from '../../test/support/setStep';
import { n8nBin, parseExecution, repository } from '../realN8n';
import type { BareRun } from './bare-client';
import { REQUEST_OPTION_DEFAULTS } from '../../nodes/UserFlowApiConnectors/actions/requestOptions';
import { FLOWS, flowName, type Operation, type Scenario } from './scenarios';

export interface Measure {
	ms: number;
	ok: number;
	failed: number;
	roundTrips: number;
	/** Graph requests as its budget counts them: every direct request and every $batch step. */
	requests: number;
	throttled: number;
	tokens: number;
	rssMb: number;
	/** CPU of the process that ran the items (user + system). */
	cpuMs: number;
	/** How the execution failed, when it did. */
	error?: string;
}

export const median = (values: number[]) =>
	[...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
export const medianMeasure = (measures: Measure[]) =>
	[...measures].sort((x, y) => x.ms - y.ms)[Math.floor(measures.length / 2)];

export class Bench {
	private readonly statsFile: string;

	constructor(
		readonly emulator: Emulator,
		readonly env: NodeJS.ProcessEnv,
		work: string,
		private readonly token: string,
	) {
		this.statsFile = join(work, 'process-stats');
	}

	/**
	 * Every run starts from the same tenant: the benchmark's flows, the scenario's latency and budget, and its
	 * rival when it has one.
	 */
	prepare(scenario: Pick<Scenario, 'latencyMs' | 'budget' | 'rivalPerMinute'>): void {
		this.emulator.reset();
		seedFlowItems(
			this.emulator,
			Array.from({ length: FLOWS }, (_, f) => flowName(f)),
		);
		this.emulator.setLatency(scenario.latencyMs);
		this.emulator.setBudget(scenario.budget);
		if (scenario.rivalPerMinute) this.emulator.startRival({ perMinute: scenario.rivalPerMinute });
		this.emulator.clearRequests();
	}

	/** `n8n execute` of an imported workflow; the time is n8n's own execution time of the Target node. */
	async execute(
		workflowId: string,
		items: number,
		options: { profileDir?: string; env?: NodeJS.ProcessEnv } = {},
	): Promise<Measure> {
		const { profileDir } = options;
		const child = spawn(n8nBin, ['execute', `--id=${workflowId}`, '--rawOutput'], {
			env: {
				...this.env,
				...options.env,
				PROCESS_STATS_FILE: this.statsFile,
				NODE_OPTIONS: [
					`--require ${join(repository, 'scripts', 'bench', 'process-stats.cjs')}`,
					...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
				].join(' '),
			},
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let output = '';
		child.stdout.on('data', (chunk: Buffer) => (output += chunk));
		child.stderr.on('data', (chunk: Buffer) => (output += chunk));
		await new Promise((done) => child.on('close', done));
		const [, rssKb, cpuMicros] = readFileSync(this.statsFile, 'utf8')
			.trim()
			.split('\n')
			.map((line) => line.split(' ').map(Number))
			.find(([pid]) => pid === child.pid) ?? [0, NaN, NaN];
		const execution = parseExecution(output);
		const task = execution.data.resultData.runData.Target?.[0];
		const out = task?.data?.main?.[0] ?? [];
		const ok = out.filter((item) => item.json.error === undefined).length;
		const error = execution.data.resultData.error;
		return {
			ms: task?.executionTime ?? 0,
			ok,
			failed: items - ok,
			...this.graphCounts(),
			rssMb: rssKb / 1024,
			cpuMs: cpuMicros / 1000,
			error: error && [error.message, error.description].filter(Boolean).join(' '),
		};
	}

	/**
	 * Way (c): bare-client.js in a process of its own, at the node's default concurrency; paced to `pace` (so
	 * many requests in any minute of so many ms) when given.
	 */
	async bare(
		operation: Operation,
		items: number,
		keepAlive: boolean,
		pace?: BareRun['pace'],
	): Promise<Measure> {
		const body = operation.body?.(this.emulator.graphBaseUrl);
		const spec: BareRun = {
			urls: Array.from(
				{ length: items },
				(_, i) => `${this.emulator.graphBaseUrl}/v1.0${operation.path(flowName(i))}`,
			),
			method: operation.method,
			body: body && JSON.stringify(body),
			token: this.token,
			concurrency: REQUEST_OPTION_DEFAULTS.concurrency,
			keepAlive,
			pace,
		};
		const child = spawn(process.execPath, [join(__dirname, 'bare-client.js')], {
			stdio: ['pipe', 'pipe', 'inherit'],
		});
		let output = '';
		child.stdout.on('data', (chunk: Buffer) => (output += chunk));
		child.stdin.end(JSON.stringify(spec));
		await new Promise((done) => child.on('close', done));
		const result = JSON.parse(output) as { ms: number; ok: number; failed: number; rssKb: number };
		return {
			ms: result.ms,
			ok: result.ok,
			failed: result.failed,
			...this.graphCounts(),
			tokens: 0,
			rssMb: result.rssKb / 1024,
			cpuMs: NaN,
		};
	}

	private graphCounts(): Pick<Measure, 'roundTrips' | 'requests' | 'throttled' | 'tokens'> {
		const requests = this.emulator.requests;
		const graph = requests.filter((r) => /^\/(v1\.0|beta)\//.test(r.path));
		return {
			// Requests on the wire: a $batch POST is one, its steps are not.
			roundTrips: graph.filter((r) => r.batchId === undefined).length,
			requests: graph.filter((r) => !r.path.endsWith('/$batch')).length,
			throttled: requests.filter((r) => r.status === 429).length,
			tokens: requests.filter((r) => r.path.endsWith('/oauth2/v2.0/token')).length,
		};
	}
}

/** The token the bare script and the HTTP Request node's header credential send. */
export async function clientCredentialsToken(emulator: Emulator): Promise<string> {
	const response = await fetch(
		`${emulator.authorityHost}/${emulator.defaults.tenantId}/oauth2/v2.0/token`,
		{
			method: 'POST',
			body: new URLSearchParams({
				grant_type: 'client_credentials',
				client_id: emulator.defaults.clientId,
				client_secret: emulator.defaults.clientSecret,
				scope: 'https://graph.microsoft.com/.default',
			}),
		},
	);
	return ((await response.json()) as { access_token: string }).access_token;
}
