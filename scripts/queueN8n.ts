// n8n's queue mode, set up as an administrator would: PostgreSQL and Redis from Debian's packages (each a
// throwaway instance of its own on a loopback port), one n8n main and two n8n workers, this package installed
// into every one's user folder. Then two executions, one per worker, Set Step against the same app + tenant at
// the same time, under Graph's budget. Shared by `npm run test:e2e` (and `npm run test:queue`) and `npm run bench`.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Emulator, GraphBudget } from '../emulator';
import { budgetFloorMs } from '../emulator';
import { GRAPH_MINUTE_VARIABLE } from '../nodes/UserFlowApiConnectors/transport';
import { seedFlowItems, setStepFromItems } from '../test/support/setStep';
import { installPackage, prepareN8n, type PreparedN8n } from './prepareN8n';
import { REDIS_SERVER, startRedis, type RedisServer } from './redisServer';
import {
	freePort,
	run,
	setUpOwner,
	startN8n,
	startN8nProcess,
	type N8nProcess,
	type RunningN8n,
} from './realN8n';
import { codeNode, linearWorkflow, userFlowNode, webhookNode } from './workflowNodes';

/** The Debian packages queue mode needs here, as .ci/run installs them. */
const QUEUE_MODE_PACKAGES = 'redis-server postgresql';

const POSTGRESQL_VERSIONS = '/usr/lib/postgresql';

/** redis-server and the newest installed PostgreSQL's bin folder, or an error that says what to install. */
export function queueModeBinaries(): { redisServer: string; postgresBin: string } {
	const versions = existsSync(POSTGRESQL_VERSIONS)
		? readdirSync(POSTGRESQL_VERSIONS)
				.filter((version) => existsSync(join(POSTGRESQL_VERSIONS, version, 'bin', 'postgres')))
				.sort((a, b) => Number(b) - Number(a))
		: [];
	const missing = [
		...(existsSync(REDIS_SERVER) ? [] : [`redis-server (${REDIS_SERVER})`]),
		...(versions.length ? [] : [`postgresql (${POSTGRESQL_VERSIONS}/<version>/bin/postgres)`]),
	];
	if (missing.length)
		throw new Error(
			`n8n's queue mode needs Redis and PostgreSQL from Debian's packages; not found: ${missing.join(', ')}. ` +
				`Install them with: sudo apt-get install -y --no-install-recommends ${QUEUE_MODE_PACKAGES}`,
		);
	return { redisServer: REDIS_SERVER, postgresBin: join(POSTGRESQL_VERSIONS, versions[0], 'bin') };
}

/** A service of ours: its loopback port, and how to stop it and remove its files. */
interface Service {
	port: number;
	stop(): Promise<void>;
}

/**
 * A PostgreSQL cluster in a temporary folder, trusting local connections, with a database `n8n`. PostgreSQL
 * refuses to run as root: as root, the cluster belongs to Debian's `postgres` system user (which the package
 * creates) and its commands run through runuser.
 */
async function startPostgres(bin: string): Promise<Service> {
	const folder = mkdtempSync(join(tmpdir(), 'n8n-entra-postgres-'));
	const data = join(folder, 'data');
	const asRoot = process.getuid?.() === 0;
	if (asRoot) await run('chown', ['postgres:postgres', folder]);
	const pg = (command: string, args: string[]) =>
		asRoot
			? run('runuser', ['-u', 'postgres', '--', join(bin, command), ...args])
			: run(join(bin, command), args);
	const port = await freePort();
	await pg('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-locale', '-E', 'UTF8']);
	const serverOptions = `-p ${port} -c listen_addresses=127.0.0.1 -k ${folder} -c fsync=off`;
	await pg('pg_ctl', [
		'-D',
		data,
		'-l',
		join(folder, 'server.log'),
		'-o',
		serverOptions,
		'-w',
		'start',
	]);
	const stop = async () => {
		await pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
		rmSync(folder, { recursive: true, force: true });
	};
	try {
		await run(join(bin, 'createdb'), [
			'-h',
			'127.0.0.1',
			'-p',
			String(port),
			'-U',
			'postgres',
			'n8n',
		]);
	} catch (error) {
		await stop();
		throw error;
	}
	return { port, stop };
}

/**
 * What an administrator sets on the main and on every worker. One encryption key for all (n8nEnvironment sets
 * it), as credentials are stored encrypted in the shared database. N8N_UNVERIFIED_PACKAGES_ENABLED is true by
 * default in n8n 2.41, and its next major version turns it off: set explicitly so that this unverified package
 * goes on loading.
 */
function queueModeEnvironment(postgresPort: number, redis: RedisServer): NodeJS.ProcessEnv {
	return {
		EXECUTIONS_MODE: 'queue',
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: '127.0.0.1',
		DB_POSTGRESDB_PORT: String(postgresPort),
		DB_POSTGRESDB_DATABASE: 'n8n',
		DB_POSTGRESDB_USER: 'postgres',
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		QUEUE_BULL_REDIS_PASSWORD: redis.password,
		N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
	};
}

export const ITEMS_PER_EXECUTION = 500;
const EXECUTIONS = [
	{ workflowId: 'QueueModeA01', path: 'queue-mode-a', flowPrefix: 'B2X_1_QueueA' },
	{ workflowId: 'QueueModeB01', path: 'queue-mode-b', flowPrefix: 'B2X_1_QueueB' },
];
const flowNames = (prefix: string, items: number) =>
	Array.from({ length: items }, (_, i) => `${prefix}${i}`);

/** Seeds every execution's flows; returns each one's items. */
function seedExecutions(emulator: Emulator, items: number) {
	return EXECUTIONS.map(({ flowPrefix }) => seedFlowItems(emulator, flowNames(flowPrefix, items)));
}

/** Webhook (answering with every output item) → Items → Set Step of each item's flow, continuing on error. */
function queueWorkflows(emulator: Emulator, items: number): object[] {
	return seedExecutions(emulator, items).map((flowItems, i) =>
		linearWorkflow(EXECUTIONS[i].workflowId, `Queue mode ${'AB'[i]}`, [
			webhookNode(EXECUTIONS[i].path, 'lastNode', 'allEntries'),
			codeNode(`return ${JSON.stringify(flowItems)}.map((json) => ({ json }));`),
			userFlowNode('Set Step', setStepFromItems(), { onError: 'continueRegularOutput' }),
		]),
	);
}

export interface QueueN8n {
	main: RunningN8n;
	workers: Array<{ name: string; process: N8nProcess }>;
	/** The owner's session cookie on the main, for its REST API. */
	cookie: string;
	/** Graph's minute as the workers were told it (ENTRA_USER_FLOWS_GRAPH_MINUTE_MS). */
	timeScale: number;
	items: number;
	/** Queue mode's Redis, where the processes also keep their shared pace. */
	redis: RedisServer;
	stop(): Promise<void>;
}

/**
 * PostgreSQL, Redis, the package in three user folders, the two workflows imported and published, then two
 * `n8n worker --concurrency=1` (each takes one job at a time, so two executions started together run on two
 * workers) and one `n8n start` in queue mode. The workers are told Graph's minute of `timeScale`.
 */
export async function startQueueN8n(options: {
	work: string;
	emulator: Emulator;
	timeScale: number;
	items?: number;
}): Promise<QueueN8n> {
	const { work, emulator, timeScale } = options;
	const items = options.items ?? ITEMS_PER_EXECUTION;
	const { redisServer, postgresBin } = queueModeBinaries();
	const stops: Array<() => Promise<void>> = [];
	const stop = async () => {
		for (const stopOne of stops.reverse()) await stopOne();
	};
	try {
		const postgres = await startPostgres(postgresBin);
		stops.push(postgres.stop);
		const redis = await startRedis({ redisServer });
		stops.push(redis.stop);
		const prepared: PreparedN8n = await prepareN8n({
			work,
			emulator,
			env: queueModeEnvironment(postgres.port, redis),
		});
		const workflowsFile = join(work, 'queue-workflows.json');
		writeFileSync(workflowsFile, JSON.stringify(queueWorkflows(emulator, items)));
		await prepared.cli(['import:workflow', `--input=${workflowsFile}`]);
		for (const { workflowId } of EXECUTIONS)
			await prepared.cli(['publish:workflow', `--id=${workflowId}`]);

		// The workers' installs and all three starts in parallel: each n8n takes about 10 s to be ready.
		const workerNames = ['worker-1', 'worker-2'];
		await Promise.all(
			workerNames.map((name) => installPackage(prepared.tarball, join(work, name))),
		);
		const startWorker = async (name: string) => {
			const healthPort = await freePort();
			return await startN8nProcess(
				['worker', '--concurrency=1'],
				{
					...prepared.env,
					N8N_USER_FOLDER: join(work, name),
					QUEUE_HEALTH_CHECK_ACTIVE: 'true',
					QUEUE_HEALTH_CHECK_PORT: String(healthPort),
					N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
					[GRAPH_MINUTE_VARIABLE]: String(60_000 / timeScale),
				},
				`http://127.0.0.1:${healthPort}/healthz/readiness`,
			);
		};
		const mainStart = startN8n(prepared.env);
		const workerStarts = workerNames.map(startWorker);
		const starts = await Promise.allSettled([mainStart, ...workerStarts]);
		for (const start of starts) if (start.status === 'fulfilled') stops.push(start.value.stop);
		const failedStart = starts.find((start) => start.status === 'rejected');
		if (failedStart) throw failedStart.reason;
		const main = await mainStart;
		const workers = (await Promise.all(workerStarts)).map((process, i) => ({
			name: workerNames[i],
			process,
		}));
		const cookie = await setUpOwner(main.baseUrl, {
			email: 'queue@example.com',
			password: 'Queue-only-Passw0rd',
		});
		return { main, workers, cookie, timeScale, items, redis, stop };
	} catch (error) {
		await stop();
		throw error;
	}
}

export interface QueueExecution {
	workflowId: string;
	/** The worker whose log says it started the execution; undefined when none does. */
	worker?: string;
	ok: number;
	failed: number;
	/** n8n's record of it: from created (queued by the main) to stopped (on its worker). */
	ms: number;
	/** The webhook's answer when it was not the items. */
	error?: string;
}

export interface QueueRun {
	variant: GraphBudget['variant'];
	executions: QueueExecution[];
	/** n8n's records: from the first execution's creation to the last one's stop. */
	ms: number;
	/** Graph requests the budget counted (each $batch step), admitted and refused. */
	requests: number;
	tooManyRequests: number;
	tokens: number;
	/** (all items − the first minute's allowance) ÷ the app's rate. */
	floorMs: number;
}

/** The execution ids each worker's log says it started. */
function startedBy(queue: QueueN8n): Map<string, string> {
	const started = new Map<string, string>();
	for (const { name, process } of queue.workers)
		for (const match of process.log().matchAll(/Worker started execution (\d+)/g))
			started.set(match[1], name);
	return started;
}

interface ExecutionRecord {
	id: string;
	workflowId: string;
	createdAt: string;
	stoppedAt: string;
}

/** The main's latest execution of each workflow, by the REST API. */
async function latestExecutions(queue: QueueN8n): Promise<Map<string, ExecutionRecord>> {
	const response = await fetch(`${queue.main.baseUrl}/rest/executions?limit=50`, {
		headers: { Cookie: queue.cookie },
	});
	const body = (await response.json()) as { data: { results: ExecutionRecord[] } };
	const latest = new Map<string, ExecutionRecord>();
	for (const record of body.data.results) {
		const known = latest.get(record.workflowId);
		if (!known || Number(record.id) > Number(known.id)) latest.set(record.workflowId, record);
	}
	return latest;
}

/**
 * Both executions at once against a fresh tenant under Graph's budget in `variant`, time-scaled as the workers
 * were told: items ok and failed of each, which worker ran it, and what the emulator counted.
 */
export async function runTwoExecutions(
	queue: QueueN8n,
	emulator: Emulator,
	variant: GraphBudget['variant'],
): Promise<QueueRun> {
	// The node's pace, kept in queue mode's Redis, still counts an earlier run's last minute (as Graph would):
	// once it has passed, each run starts with the app's budget unspent, as a fresh emulator's Graph does.
	await new Promise((minutePassed) => setTimeout(minutePassed, (60_000 / queue.timeScale) * 1.05));
	emulator.reset();
	seedExecutions(emulator, queue.items);
	emulator.setBudget({ variant, timeScale: queue.timeScale });
	emulator.clearRequests();
	// The times are n8n's own records, not the webhook's answer: the main may take the first request before it
	// has registered the webhooks, which getWebhook waits out.
	const answers = await Promise.all(
		EXECUTIONS.map(async ({ workflowId, path }) => {
			const response = await queue.main.webhook(path);
			const text = await response.text();
			let output: Array<{ error?: unknown }> | undefined;
			try {
				output = JSON.parse(text) as Array<{ error?: unknown }>;
			} catch {
				output = undefined;
			}
			const ok = Array.isArray(output)
				? output.filter((item) => item.error === undefined).length
				: 0;
			return {
				workflowId,
				ok,
				failed: queue.items - ok,
				error: response.ok && Array.isArray(output) ? undefined : text.slice(0, 500),
			};
		}),
	);
	const [records, workers] = [await latestExecutions(queue), startedBy(queue)];
	const times = answers.map(({ workflowId }) => {
		const record = records.get(workflowId);
		if (!record) throw new Error(`n8n has no execution of ${workflowId}`);
		return { record, created: Date.parse(record.createdAt), stopped: Date.parse(record.stoppedAt) };
	});
	const stats = emulator.budgetStats();
	return {
		variant,
		executions: answers.map((answer, i) => ({
			...answer,
			ms: times[i].stopped - times[i].created,
			worker: workers.get(times[i].record.id),
		})),
		ms:
			Math.max(...times.map(({ stopped }) => stopped)) -
			Math.min(...times.map(({ created }) => created)),
		requests: stats.admitted + stats.throttled,
		tooManyRequests: stats.tooManyRequests,
		tokens: emulator.tokenRequests().length,
		floorMs: budgetFloorMs(queue.items * EXECUTIONS.length, { timeScale: queue.timeScale }),
	};
}
