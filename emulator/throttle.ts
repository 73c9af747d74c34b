import { positiveInteger } from './http';

/**
 * Graph's documented budget for the resources the emulator serves. Microsoft's throttling page, section
 * "Identity providers service limits", covers b2xIdentityUserFlow, b2cIdentityUserFlow, identityApiConnector
 * and related types: 200 requests per minute per app per tenant, and 300 requests per minute per tenant, all
 * apps together. The emulator applies both at once: a request is admitted only if it fits both.
 *
 * What Microsoft does not document, and what the emulator assumes:
 * - Whether the limits refill continuously or per fixed window: a run picks `variant` (a client must hold up
 *   under both).
 *   - 'continuous': a bucket per key (app + tenant, and tenant) that holds one minute's allowance, starts
 *     full, and refills evenly (perMinute per minute); a request takes one. Retry-After is the time until one
 *     request is free in the bucket that refused.
 *   - 'window': fixed windows of one minute per key. A key's first window starts at its first admitted
 *     request; the next starts at the first request after that window ended (windows are not aligned to the
 *     clock, nor to one another). Retry-After is the rest of the window, so at most 60 s.
 * - A refused request uses neither limit: it takes nothing from the app's nor the tenant's allowance (and a
 *   refused request does not start a window).
 * - When only the tenant limit refuses, Retry-After follows the tenant's key; when both refuse, it is the
 *   longer of the two waits, the first time the request could fit both.
 * - The Retry-After header: Graph itself sends whole seconds. At timeScale 1 the emulator sends the wait
 *   rounded up to whole seconds, at least 1. At any other timeScale the wait may be under a second, so the
 *   header carries the wait in (real) seconds with decimals, rounded up to the millisecond and at least 0.001
 *   (e.g. "0.6"); the node reads it with Number(value).
 * - Every step inside a $batch counts as one request (Graph documents that each step counts); the $batch POST
 *   itself is assumed not to count (see graph.ts).
 * - Token requests are not Graph requests and never count.
 */
export interface GraphBudget {
	variant: 'continuous' | 'window';
	/** Requests per minute of one app registration in one tenant; default 200. */
	perAppPerMinute?: number;
	/** Requests per minute of one tenant, every app together; default 300. */
	perTenantPerMinute?: number;
	/**
	 * How much faster than real time the budget runs; default 1. timeScale 10 makes a minute last 6 s: the
	 * windows and the refill follow, and so does Retry-After (see above for its form).
	 */
	timeScale?: number;
}

export const GRAPH_BUDGET_DEFAULTS = {
	perAppPerMinute: 200,
	perTenantPerMinute: 300,
	timeScale: 1,
};

/**
 * The least time the budget allows `items` requests of one app (for the benchmark's and the queue-mode run's
 * floor): the first minute's allowance at once, the rest at `ratePerMinute` (the app's allowance, or what a rival
 * leaves of the tenant's).
 */
export function budgetFloorMs(
	items: number,
	{
		perAppPerMinute = GRAPH_BUDGET_DEFAULTS.perAppPerMinute,
		ratePerMinute = perAppPerMinute,
		timeScale = GRAPH_BUDGET_DEFAULTS.timeScale,
	}: { perAppPerMinute?: number; ratePerMinute?: number; timeScale?: number },
): number {
	const firstMinute = Math.min(items, perAppPerMinute);
	return ((items - firstMinute) / ratePerMinute) * (60_000 / timeScale);
}

export interface BudgetCounts {
	admitted: number;
	throttled: number;
}

export interface GraphBudgetStats extends BudgetCounts {
	/**
	 * 429 TooManyRequests answered, to direct requests and to $batch steps: `throttled` without the rivals'
	 * refusals, which get no answer.
	 */
	tooManyRequests: number;
	/** Refusals by the limit that refused: the app's, the tenant's, or both at once. */
	refusedBy: { app: number; tenant: number; both: number };
	/** Per app registration + tenant, keyed `${tenantId}/${appId}` in lower case; rivals included. */
	apps: Record<string, BudgetCounts>;
	/** Per tenant id in lower case, every app of it together (rivals included), whichever limit refused. */
	tenants: Record<string, BudgetCounts>;
	/** The rivals' requests together (they are in apps and tenants as well). */
	rivals: BudgetCounts;
}

/** Another app of a tenant that spends part of the tenant's budget, inside the emulator (no HTTP). */
export interface RivalOptions {
	/** The tenant whose budget it spends; default the External ID tenant. */
	tenantId?: string;
	/** Its app id; default a fixed id that no seeded app has. */
	appId?: string;
	/** Requests per (scaled) minute, evenly spread, the first at once. Its own app limit applies as well. */
	perMinute: number;
}

export const RIVAL_APP_ID = '0000aaaa-5eed-4a1a-9b1d-00000000071a';

/** The refusal of a request: how long to wait, and as what Retry-After value. */
export interface Refusal {
	retryAfterMs: number;
	retryAfter: string;
	refusedBy: 'app' | 'tenant' | 'both';
}

/** One limit (the app's or the tenant's) of one variant: the wait before a key fits one more, and spending. */
interface Limit {
	/** 0 when one more request of the key fits now. */
	waitMs(key: string, now: number): number;
	spend(key: string, now: number): void;
}

class ContinuousLimit implements Limit {
	private readonly buckets = new Map<string, { tokens: number; at: number }>();

	constructor(
		private readonly perMinute: number,
		private readonly minuteMs: number,
	) {}

	private level(key: string, now: number): number {
		const bucket = this.buckets.get(key);
		if (!bucket) return this.perMinute;
		return Math.min(
			this.perMinute,
			bucket.tokens + ((now - bucket.at) * this.perMinute) / this.minuteMs,
		);
	}

	waitMs(key: string, now: number): number {
		const level = this.level(key, now);
		return level >= 1 ? 0 : ((1 - level) * this.minuteMs) / this.perMinute;
	}

	spend(key: string, now: number): void {
		this.buckets.set(key, { tokens: this.level(key, now) - 1, at: now });
	}
}

class WindowLimit implements Limit {
	private readonly windows = new Map<string, { start: number; count: number }>();

	constructor(
		private readonly perMinute: number,
		private readonly minuteMs: number,
	) {}

	/** The key's window at `now`: a fresh one (not stored) when it has none or its window ended. */
	private current(key: string, now: number): { start: number; count: number } {
		const window = this.windows.get(key);
		return window && now < window.start + this.minuteMs ? window : { start: now, count: 0 };
	}

	waitMs(key: string, now: number): number {
		const window = this.current(key, now);
		return window.count < this.perMinute ? 0 : window.start + this.minuteMs - now;
	}

	spend(key: string, now: number): void {
		const window = this.current(key, now);
		this.windows.set(key, { start: window.start, count: window.count + 1 });
	}
}

interface Settings {
	variant: GraphBudget['variant'];
	minuteMs: number;
	timeScale: number;
	app: Limit;
	tenant: Limit;
}

/** The budget of every app and tenant, off until configured. */
export class GraphRequestBudget {
	private settings?: Settings;
	private counts = emptyStats();
	private readonly rivals = new Set<() => void>();

	/** A new budget, or none (undefined): limits, counters and rivals start afresh either way. */
	configure(budget: GraphBudget | undefined): void {
		this.stopRivals();
		this.counts = emptyStats();
		this.settings = budget && settingsOf(budget);
	}

	get active(): boolean {
		return this.settings !== undefined;
	}

	/**
	 * Counts an answered Graph request (a direct one or a $batch step) of the app: undefined when admitted,
	 * else the refusal, for a 429.
	 */
	admit(tenantId: string, appId: string, now = Date.now()): Refusal | undefined {
		return this.take(tenantId, appId, now, false);
	}

	/**
	 * Starts a rival app that spends `perMinute` requests per (scaled) minute of the tenant's budget, on a
	 * timer; returns its stop function. configure() (so reset()) and stopRivals() (so close()) stop it too.
	 */
	startRival(options: Required<RivalOptions>): () => void {
		const settings = this.settings;
		if (!settings) throw new Error('Emulator: startRival() needs a budget; call setBudget() first');
		positiveInteger('rival.perMinute', options.perMinute);
		const startedAt = Date.now();
		const spacingMs = settings.minuteMs / options.perMinute;
		let sent = 0;
		// Catches up on every tick, so a late timer does not lower the rival's rate.
		const tick = () => {
			const now = Date.now();
			const due = Math.floor((now - startedAt) / spacingMs) + 1;
			for (; sent < due; sent++) this.take(options.tenantId, options.appId, now, true);
		};
		const timer = setInterval(tick, Math.max(5, Math.min(spacingMs, 50)));
		timer.unref();
		const stop = () => {
			clearInterval(timer);
			this.rivals.delete(stop);
		};
		this.rivals.add(stop);
		tick();
		return stop;
	}

	stopRivals(): void {
		for (const stop of [...this.rivals]) stop();
	}

	stats(): GraphBudgetStats {
		const copy = (records: Record<string, BudgetCounts>) =>
			Object.fromEntries(Object.entries(records).map(([key, counts]) => [key, { ...counts }]));
		return {
			...this.counts,
			refusedBy: { ...this.counts.refusedBy },
			apps: copy(this.counts.apps),
			tenants: copy(this.counts.tenants),
			rivals: { ...this.counts.rivals },
		};
	}

	private take(tenantId: string, appId: string, now: number, rival: boolean): Refusal | undefined {
		const settings = this.settings;
		if (!settings) return undefined;
		const tenantKey = tenantId.toLowerCase();
		const appKey = `${tenantKey}/${appId.toLowerCase()}`;
		const appWait = settings.app.waitMs(appKey, now);
		const tenantWait = settings.tenant.waitMs(tenantKey, now);
		const admitted = appWait === 0 && tenantWait === 0;
		const counters = [
			(this.counts.apps[appKey] ??= { admitted: 0, throttled: 0 }),
			(this.counts.tenants[tenantKey] ??= { admitted: 0, throttled: 0 }),
			this.counts,
			...(rival ? [this.counts.rivals] : []),
		];
		for (const counter of counters) counter[admitted ? 'admitted' : 'throttled'] += 1;
		if (admitted) {
			settings.app.spend(appKey, now);
			settings.tenant.spend(tenantKey, now);
			return undefined;
		}
		const refusedBy = appWait > 0 && tenantWait > 0 ? 'both' : appWait > 0 ? 'app' : 'tenant';
		this.counts.refusedBy[refusedBy] += 1;
		if (!rival) this.counts.tooManyRequests += 1;
		const retryAfterMs = Math.max(appWait, tenantWait);
		return {
			retryAfterMs,
			retryAfter: retryAfterValue(retryAfterMs, settings.timeScale),
			refusedBy,
		};
	}
}

/** See GraphBudget: whole seconds (ceil, at least 1) in real time; seconds with decimals when scaled. */
export function retryAfterValue(waitMs: number, timeScale: number): string {
	if (timeScale === 1) return String(Math.max(1, Math.ceil(waitMs / 1000)));
	return String(Math.max(1, Math.ceil(waitMs)) / 1000);
}

function settingsOf(budget: GraphBudget): Settings {
	if (budget.variant !== 'continuous' && budget.variant !== 'window')
		throw new Error(
			`Emulator: budget.variant must be 'continuous' or 'window', got ${String(budget.variant)}`,
		);
	const perApp = positiveInteger(
		'budget.perAppPerMinute',
		budget.perAppPerMinute ?? GRAPH_BUDGET_DEFAULTS.perAppPerMinute,
	);
	const perTenant = positiveInteger(
		'budget.perTenantPerMinute',
		budget.perTenantPerMinute ?? GRAPH_BUDGET_DEFAULTS.perTenantPerMinute,
	);
	const timeScale = budget.timeScale ?? GRAPH_BUDGET_DEFAULTS.timeScale;
	if (!Number.isFinite(timeScale) || timeScale <= 0)
		throw new Error(`Emulator: budget.timeScale must be a positive number, got ${timeScale}`);
	const minuteMs = 60_000 / timeScale;
	const Kind = budget.variant === 'continuous' ? ContinuousLimit : WindowLimit;
	return {
		variant: budget.variant,
		minuteMs,
		timeScale,
		app: new Kind(perApp, minuteMs),
		tenant: new Kind(perTenant, minuteMs),
	};
}

function emptyStats(): GraphBudgetStats {
	return {
		admitted: 0,
		throttled: 0,
		tooManyRequests: 0,
		refusedBy: { app: 0, tenant: 0, both: 0 },
		apps: {},
		tenants: {},
		rivals: { admitted: 0, throttled: 0 },
	};
}
