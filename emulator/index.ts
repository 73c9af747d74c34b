import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import {
	AccessTokenIssuer,
	entraErrorResponse,
	entraFaultError,
	handleEntraRequest,
	isTokenEndpoint,
} from './entra';
import { graphFaultResponse, handleGraphRequest, isGraphPath, type GraphContext } from './graph';
import {
	decodeSegment,
	mediaType,
	positiveInteger,
	redactAuthorization,
	redactSecrets,
	retryAfterHeader,
	splitTarget,
	type EmulatorResponse,
	type IncomingCall,
	type RecordedRequest,
} from './http';
import { seededRandom } from './random';
import {
	B2C_TENANT,
	EMULATOR_FILES,
	EmulatorState,
	EXTERNAL_ID_TENANT,
	PRODUCTION_TENANT,
	SEEDED_CLIENT_SECRET,
} from './state';
import {
	GraphRequestBudget,
	RIVAL_APP_ID,
	type GraphBudget,
	type GraphBudgetStats,
	type RivalOptions,
} from './throttle';

export type { ClientAssertionSummary, RecordedRequest } from './http';
export type { BudgetCounts, GraphBudget, GraphBudgetStats, RivalOptions } from './throttle';
export { budgetFloorMs, GRAPH_BUDGET_DEFAULTS, RIVAL_APP_ID } from './throttle';
export * from './state';

export interface EmulatorOptions {
	/** 0 (the default) picks a free port. */
	port?: number;
	/** Default 127.0.0.1. */
	host?: string;
	/** Server page size of every list; default 100. */
	pageSize?: number;
	/** Lifetime of issued access tokens; default 3599. */
	tokenLifetimeSeconds?: number;
	/** Graph's documented budget for these endpoints from the start; see Emulator.setBudget(). */
	budget?: GraphBudget;
	/** Added to every Graph round trip (a $batch POST is one); see Emulator.setLatency(). */
	latencyMs?: number;
}

interface FaultMatch {
	/**
	 * 'token' is the token endpoint POST only; 'graph' is /v1.0/..., /beta/... and /$batch, and the steps
	 * inside a $batch (their path is /{version}/ + the step's url), which only 'status' faults apply to.
	 */
	target: 'graph' | 'token';
	method?: string;
	/** Matched against the raw path and against its percent-decoded form. */
	pathIncludes?: string;
	/** How many matching requests the fault applies to; default 1. */
	times?: number;
}

export type Fault =
	| (FaultMatch & {
			kind: 'status';
			status: 429 | 500 | 502 | 503 | 504;
			retryAfterSeconds?: number;
	  })
	/** Destroys the socket without a response, before the request takes effect. */
	| (FaultMatch & { kind: 'drop' })
	/** Carries the request out, then destroys the socket instead of answering: the effect happened unseen. */
	| (FaultMatch & { kind: 'dropAfter' })
	/**
	 * Carries the request out, then answers 503 or 504 as a gateway does that gave up waiting for Graph: the
	 * effect happened, the answer says it did not. Assumed: Graph's front end can answer so after the change
	 * was applied (Microsoft documents neither way), as any gateway in front of it can.
	 */
	| (FaultMatch & { kind: 'statusAfter'; status: 503 | 504 })
	/** Waits, then answers normally. */
	| (FaultMatch & { kind: 'delay'; delayMs: number })
	/** Never answers; close() ends the connection. */
	| (FaultMatch & { kind: 'hang' });

/**
 * Random faults on Graph requests, for fault-injection runs: each request independently gets at most one,
 * by these shares (0..1), from a seeded generator so a run can be repeated.
 */
export interface FaultProfile {
	seed: number;
	/** 429 TooManyRequests with Retry-After: retryAfterSeconds. */
	throttleWithRetryAfter: number;
	/** 429 TooManyRequests without Retry-After. */
	throttleWithoutRetryAfter: number;
	/** 503 or 504, half each, before the request takes effect. */
	unavailable: number;
	/** 503 or 504, half each, after the request took effect ('statusAfter'); default 0. */
	unavailableAfter?: number;
	/** Dropped connections; half before the request takes effect, half after. */
	dropped: number;
	/** Answered after slowMs, which a run sets above its request timeout. */
	slow: number;
	slowMs: number;
	retryAfterSeconds: number;
}

export interface EmulatorDefaults {
	tenantId: string;
	tenantDomain: string;
	clientId: string;
	clientSecret: string;
	certClientId: string;
	b2cTenantId: string;
	b2cClientId: string;
	/** The second, empty External ID tenant (PRODUCTION_TENANT) and its secret app. */
	productionTenantId: string;
	productionClientId: string;
}

export interface Emulator {
	/** https://127.0.0.1:PORT */
	url: string;
	/** Same as url: Entra paths are /{tenant}/... */
	authorityHost: string;
	/** Same as url: Graph paths are /v1.0/... and /beta/... */
	graphBaseUrl: string;
	defaults: EmulatorDefaults;
	/** The mutable directory; reset() restores it in place. */
	state: EmulatorState;
	/** Every request, Entra and Graph, in order of arrival; the steps of a $batch follow the batch, with batchId. */
	requests: RecordedRequest[];
	/** Graph requests, the steps of $batch requests included. */
	graphRequests(): RecordedRequest[];
	/** POSTs to the token endpoint, optionally only those of one client_id. */
	tokenRequests(clientId?: string): RecordedRequest[];
	clearRequests(): void;
	/**
	 * Seeded directory back, requests and faults cleared, budget and rivals off. Issued tokens stay
	 * valid.
	 */
	reset(): void;
	/** Queues a fault; each request takes the first queued fault it matches. */
	injectFault(fault: Fault): void;
	clearFaults(): void;
	/** Random faults on every Graph request (queued faults still come first); undefined turns them off. */
	setFaultProfile(profile: FaultProfile | undefined): void;
	/** How many faults of each kind the profile injected since it was set. */
	readonly injectedFaults: Record<string, number>;
	/**
	 * Graph's documented budget for user flows and API connectors ("Identity providers service limits"):
	 * per app + tenant (the token's appid + tid, default 200 a minute) and per tenant, every app together
	 * (default 300 a minute), in the variant the run picks; see GraphBudget (emulator/throttle.ts) for what
	 * is assumed. Requests beyond it get 429 TooManyRequests with Retry-After. Token requests and the $batch
	 * POST itself are not counted; each step of a batch is. undefined turns it off. Counters start afresh and
	 * rivals stop.
	 */
	setBudget(budget: GraphBudget | undefined): void;
	/** What the budget admitted and refused since the last setBudget() or reset(). */
	budgetStats(): GraphBudgetStats;
	/**
	 * Another app of a tenant spending `perMinute` requests per (scaled) minute of the budget, on timers
	 * inside the emulator; returns its stop function. setBudget(), reset() and close() stop it too.
	 */
	startRival(rival: RivalOptions): () => void;
	/** Delay added to every Graph round trip before it is answered, like a distant Graph; 0 turns it off. */
	setLatency(latencyMs: number): void;
	/** Every access token issued so far stops working: Graph answers 401. */
	revokeAllTokens(): void;
	close(): Promise<void>;
}

export const EMULATOR_DEFAULTS: EmulatorDefaults = {
	tenantId: EXTERNAL_ID_TENANT.id,
	tenantDomain: EXTERNAL_ID_TENANT.domain,
	clientId: EXTERNAL_ID_TENANT.secretClientId,
	clientSecret: SEEDED_CLIENT_SECRET,
	certClientId: EXTERNAL_ID_TENANT.certificateClientId,
	b2cTenantId: B2C_TENANT.id,
	b2cClientId: B2C_TENANT.secretClientId,
	productionTenantId: PRODUCTION_TENANT.id,
	productionClientId: PRODUCTION_TENANT.secretClientId,
};

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
	const limits: Limits = {
		pageSize: positiveInteger('pageSize', options.pageSize ?? 100),
		tokenLifetimeSeconds: positiveInteger(
			'tokenLifetimeSeconds',
			options.tokenLifetimeSeconds ?? 3599,
		),
	};
	const budget = new GraphRequestBudget();
	budget.configure(options.budget);
	const server = https.createServer({
		key: readFileSync(EMULATOR_FILES.serverKey),
		cert: readFileSync(EMULATOR_FILES.serverCertificate),
	});
	const host = options.host ?? '127.0.0.1';
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, host, () => resolve());
	});
	const { port } = server.address() as AddressInfo;
	const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
	const emulator = new LocalEmulator(server, url, limits, budget);
	emulator.setLatency(options.latencyMs ?? 0);
	return emulator;
}

type Limits = Required<Pick<EmulatorOptions, 'pageSize' | 'tokenLifetimeSeconds'>>;

interface QueuedFault {
	fault: Fault;
	remaining: number;
}

class LocalEmulator implements Emulator {
	readonly authorityHost: string;
	readonly graphBaseUrl: string;
	readonly defaults = { ...EMULATOR_DEFAULTS };
	readonly state = new EmulatorState();
	readonly requests: RecordedRequest[] = [];
	private readonly tokens: AccessTokenIssuer;
	private readonly graph: GraphContext;
	private readonly faults: QueuedFault[] = [];
	private profile?: { profile: FaultProfile; random: () => number };
	injectedFaults: Record<string, number> = {};
	private readonly sockets = new Set<Socket>();
	private readonly connectionIds = new WeakMap<Socket, number>();
	private connectionCount = 0;
	/** Aborts the waits of delayed requests when the emulator closes. */
	private readonly closing = new AbortController();

	constructor(
		private readonly server: https.Server,
		readonly url: string,
		limits: Limits,
		private readonly budget: GraphRequestBudget,
	) {
		this.authorityHost = url;
		this.graphBaseUrl = url;
		// Every delayed request waits on this signal: many at once are expected, not a leak.
		setMaxListeners(0, this.closing.signal);
		this.tokens = new AccessTokenIssuer(limits.tokenLifetimeSeconds);
		this.graph = {
			state: this.state,
			tokens: this.tokens,
			pageSize: limits.pageSize,
			emulatorUrl: url,
			admit: (tenantId, appId) => budget.admit(tenantId, appId)?.retryAfter,
			runBatchStep: (step) => this.runBatchStep(step),
		};
		server.on('connection', (socket: Socket) => {
			this.sockets.add(socket);
			socket.once('close', () => this.sockets.delete(socket));
		});
		server.on('secureConnection', (socket: Socket) =>
			this.connectionIds.set(socket, ++this.connectionCount),
		);
		server.on('request', (request: IncomingMessage, response: ServerResponse) => {
			this.handle(request, response).catch((error: Error) => this.answerBug(response, error));
		});
	}

	graphRequests(): RecordedRequest[] {
		return this.requests.filter((request) => isGraphPath(request.path));
	}

	tokenRequests(clientId?: string): RecordedRequest[] {
		return this.requests.filter(
			(request) =>
				isTokenEndpoint(request.method, request.path) &&
				(clientId === undefined || request.clientId?.toLowerCase() === clientId.toLowerCase()),
		);
	}

	clearRequests(): void {
		this.requests.length = 0;
	}

	reset(): void {
		this.state.reset();
		this.clearRequests();
		this.clearFaults();
		this.setFaultProfile(undefined);
		this.setBudget(undefined);
		this.setLatency(0);
	}

	private latencyMs = 0;

	setLatency(latencyMs: number): void {
		if (!Number.isFinite(latencyMs) || latencyMs < 0)
			throw new Error(`Emulator: latency must be 0 or more ms, got ${latencyMs}`);
		this.latencyMs = latencyMs;
	}

	setBudget(budget: GraphBudget | undefined): void {
		this.budget.configure(budget);
	}

	budgetStats(): GraphBudgetStats {
		return this.budget.stats();
	}

	startRival(rival: RivalOptions): () => void {
		return this.budget.startRival({
			tenantId: rival.tenantId ?? this.defaults.tenantId,
			appId: rival.appId ?? RIVAL_APP_ID,
			perMinute: rival.perMinute,
		});
	}

	injectFault(fault: Fault): void {
		const times = fault.times ?? 1;
		if (!Number.isInteger(times) || times < 1)
			throw new Error(`Emulator: fault.times must be a positive integer, got ${times}`);
		this.faults.push({ fault, remaining: times });
	}

	setFaultProfile(profile: FaultProfile | undefined): void {
		this.profile = profile && { profile, random: seededRandom(profile.seed) };
		this.injectedFaults = {};
	}

	clearFaults(): void {
		this.faults.length = 0;
	}

	revokeAllTokens(): void {
		this.tokens.revokeAll();
	}

	async close(): Promise<void> {
		if (this.closing.signal.aborted) return;
		this.closing.abort();
		this.budget.stopRivals();
		const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
		this.server.closeAllConnections();
		for (const socket of this.sockets) socket.destroy();
		await closed;
	}

	private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
		const record = recordRequest(request);
		record.connection = this.connectionIds.get(request.socket);
		this.requests.push(record);
		response.once('finish', () => {
			record.status = response.statusCode;
			record.answeredAt = Date.now();
			const retryAfter = response.getHeader('retry-after');
			if (retryAfter !== undefined) record.retryAfter = String(retryAfter);
		});
		const call = await this.readCall(request, record);
		const fault = this.takeFault(call) ?? this.randomFault(call);
		if (fault?.kind === 'drop') {
			request.socket.destroy();
			return;
		}
		if (fault?.kind === 'dropAfter') {
			this.answer(call);
			request.socket.destroy();
			return;
		}
		if (fault?.kind === 'statusAfter') {
			this.answer(call);
			writeResponse(response, this.faultResponse(call, { ...fault, kind: 'status' }));
			return;
		}
		if (fault?.kind === 'hang') return;
		if (fault?.kind === 'status') {
			writeResponse(response, this.faultResponse(call, fault));
			return;
		}
		if (fault?.kind === 'delay' && !(await this.waitUnlessClosed(fault.delayMs))) return;
		if (
			this.latencyMs > 0 &&
			isGraphPath(call.rawPath) &&
			!(await this.waitUnlessClosed(this.latencyMs))
		)
			return;
		writeResponse(response, this.answer(call));
	}

	private async readCall(request: IncomingMessage, record: RecordedRequest): Promise<IncomingCall> {
		const chunks: Buffer[] = [];
		for await (const chunk of request) chunks.push(chunk as Buffer);
		const bodyText = Buffer.concat(chunks).toString('utf8');
		record.body = recordedBody(bodyText, request.headers['content-type']);
		return {
			method: record.method,
			rawPath: record.path,
			rawQuery: record.rawQuery,
			query: record.query,
			headers: lowerCaseHeaders(request),
			bodyText,
			origin: request.headers.host ? `https://${request.headers.host}` : this.url,
			record,
		};
	}

	private answer(call: IncomingCall): EmulatorResponse {
		if (isGraphPath(call.rawPath)) return handleGraphRequest(call, this.graph);
		const entra = handleEntraRequest(call, {
			state: this.state,
			tokens: this.tokens,
			emulatorUrl: this.url,
		});
		return (
			entra ?? {
				status: 404,
				headers: { 'Content-Type': 'application/json' },
				body: { error: 'not_found', path: call.rawPath },
			}
		);
	}

	/**
	 * A step of a $batch: recorded, then answered by the first queued 'status' or 'statusAfter' fault it
	 * matches, or by the fault profile's draw for it, or by the router. Other fault kinds act on a connection,
	 * which is the batch's, so they do not apply to a step. Assumed: Graph answers a step 429, 503 or 504 on its
	 * own, before or after carrying it out, as it answers a direct request (Microsoft documents 429 in a step's
	 * answer and is silent on the others).
	 */
	private runBatchStep(step: IncomingCall): EmulatorResponse {
		this.requests.push(step.record);
		const answersAlone = (fault: Fault) => fault.kind === 'status' || fault.kind === 'statusAfter';
		const fault = this.takeFault(step, answersAlone) ?? this.randomFault(step, answersAlone);
		if (fault?.kind === 'statusAfter') handleGraphRequest(step, this.graph);
		const response =
			fault?.kind === 'status' || fault?.kind === 'statusAfter'
				? this.faultResponse(step, { ...fault, kind: 'status' })
				: handleGraphRequest(step, this.graph);
		step.record.status = response.status;
		step.record.answeredAt = Date.now();
		const retryAfter = Object.entries(response.headers ?? {}).find(
			([name]) => name.toLowerCase() === 'retry-after',
		)?.[1];
		if (retryAfter !== undefined) step.record.retryAfter = retryAfter;
		return response;
	}

	private faultResponse(
		call: IncomingCall,
		fault: Extract<Fault, { kind: 'status' }>,
	): EmulatorResponse {
		if (fault.target === 'graph')
			return graphFaultResponse(call, fault.status, fault.retryAfterSeconds);
		return entraErrorResponse(
			call,
			entraFaultError(fault.status),
			retryAfterHeader(fault.retryAfterSeconds),
		);
	}

	/** The profile's draw for a request; a step of a $batch takes only the faults that `applies` allows. */
	private randomFault(
		call: IncomingCall,
		applies: (fault: Fault) => boolean = () => true,
	): Fault | undefined {
		if (!this.profile || !isGraphPath(call.rawPath)) return undefined;
		const { profile, random } = this.profile;
		const roll = random();
		const choices: Array<[number, string, Fault]> = [
			[
				profile.throttleWithRetryAfter,
				'429 with Retry-After',
				{
					target: 'graph',
					kind: 'status',
					status: 429,
					retryAfterSeconds: profile.retryAfterSeconds,
				},
			],
			[
				profile.throttleWithoutRetryAfter,
				'429 without Retry-After',
				{ target: 'graph', kind: 'status', status: 429 },
			],
			[profile.unavailable / 2, '503', { target: 'graph', kind: 'status', status: 503 }],
			[profile.unavailable / 2, '504', { target: 'graph', kind: 'status', status: 504 }],
			[
				(profile.unavailableAfter ?? 0) / 2,
				'503 after the effect',
				{ target: 'graph', kind: 'statusAfter', status: 503 },
			],
			[
				(profile.unavailableAfter ?? 0) / 2,
				'504 after the effect',
				{ target: 'graph', kind: 'statusAfter', status: 504 },
			],
			[profile.dropped / 2, 'dropped before', { target: 'graph', kind: 'drop' }],
			[profile.dropped / 2, 'dropped after', { target: 'graph', kind: 'dropAfter' }],
			[profile.slow, 'slow', { target: 'graph', kind: 'delay', delayMs: profile.slowMs }],
		];
		let threshold = 0;
		for (const [share, name, fault] of choices) {
			threshold += share;
			if (roll < threshold) {
				if (!applies(fault)) return undefined;
				const counted = call.record.batchId === undefined ? name : `${name} (a $batch step)`;
				this.injectedFaults[counted] = (this.injectedFaults[counted] ?? 0) + 1;
				return fault;
			}
		}
		return undefined;
	}

	private takeFault(
		call: IncomingCall,
		applies: (fault: Fault) => boolean = () => true,
	): Fault | undefined {
		const target = isTokenEndpoint(call.method, call.rawPath)
			? 'token'
			: isGraphPath(call.rawPath)
				? 'graph'
				: undefined;
		const decodedPath = decodeSegment(call.rawPath) ?? call.rawPath;
		const index = this.faults.findIndex(
			({ fault }) =>
				fault.target === target &&
				applies(fault) &&
				(fault.method === undefined || fault.method.toUpperCase() === call.method) &&
				(fault.pathIncludes === undefined ||
					call.rawPath.includes(fault.pathIncludes) ||
					decodedPath.includes(fault.pathIncludes)),
		);
		if (index < 0) return undefined;
		const queued = this.faults[index];
		queued.remaining -= 1;
		if (queued.remaining === 0) this.faults.splice(index, 1);
		return queued.fault;
	}

	/** False when the emulator closed during the wait. */
	private async waitUnlessClosed(delayMs: number): Promise<boolean> {
		try {
			await sleep(delayMs, undefined, { signal: this.closing.signal });
			return true;
		} catch {
			return false;
		}
	}

	/** A bug in the emulator answers 500 with its stack, so the failing test shows it. */
	private answerBug(response: ServerResponse, error: Error): void {
		if (response.headersSent || response.destroyed) return;
		writeResponse(response, {
			status: 500,
			headers: { 'Content-Type': 'application/json' },
			body: { error: 'emulator_bug', message: error.stack },
		});
	}
}

function recordRequest(request: IncomingMessage): RecordedRequest {
	const { path, rawQuery, query } = splitTarget(request.url ?? '/');
	return {
		method: (request.method ?? 'GET').toUpperCase(),
		path,
		rawQuery,
		query,
		headers: redactAuthorization(lowerCaseHeaders(request)),
		hasBearer: /^Bearer\s+\S/i.test(request.headers.authorization ?? ''),
		body: undefined,
		status: 0,
		receivedAt: Date.now(),
	};
}

function lowerCaseHeaders(request: IncomingMessage): Record<string, string> {
	// Node already lower-cases names; repeated headers are joined as HTTP allows.
	return Object.fromEntries(
		Object.entries(request.headers).map(([name, value]) => [
			name,
			Array.isArray(value) ? value.join(', ') : (value ?? ''),
		]),
	);
}

function recordedBody(bodyText: string, contentType: string | undefined): unknown {
	if (bodyText === '') return undefined;
	if (mediaType({ 'content-type': contentType ?? '' }) === 'application/x-www-form-urlencoded') {
		return redactSecrets(Object.fromEntries(new URLSearchParams(bodyText)));
	}
	try {
		return redactSecrets(JSON.parse(bodyText));
	} catch {
		return bodyText;
	}
}

function writeResponse(response: ServerResponse, answer: EmulatorResponse): void {
	const payload =
		answer.body === undefined
			? ''
			: typeof answer.body === 'string'
				? answer.body
				: JSON.stringify(answer.body);
	response.writeHead(answer.status, {
		...answer.headers,
		'Content-Length': String(Buffer.byteLength(payload)),
	});
	response.end(payload);
}
