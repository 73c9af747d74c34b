import type { GraphAccess } from './types';

/*
 * Graph's documented budget for user flows and API connectors (Microsoft Graph throttling limits, "Identity
 * providers service limits"): 200 requests per minute per app and tenant, and 300 per minute per tenant for
 * all apps together; every step of a $batch counts. Microsoft does not say whether the limits refill evenly
 * or per fixed window, so the node paces each app to at most 200 requests in any minute (and each tenant of
 * this process to 300): that fits both. A 429 still comes when other apps spend the tenant's share; then
 * Graph's Retry-After holds every request of the app, not only the one that got it.
 */
const PER_APP_PER_MINUTE = 200;
const PER_TENANT_PER_MINUTE = 300;

/**
 * Requests reach Graph a little after they leave (a batch later still): a minute here is this much longer, so
 * that no burst lands before Graph's minute has ended.
 */
const WINDOW_MARGIN = 1.02;
const WINDOW_MARGIN_MS = 500;

/**
 * How long Graph's minute lasts, in ms: only for a time-scaled Graph emulator (the specs, the benchmark, the
 * fault run), since a real Graph's minute is 60,000 ms. Read at every turn, so a spec can change it.
 */
export const GRAPH_MINUTE_VARIABLE = 'ENTRA_USER_FLOWS_GRAPH_MINUTE_MS';

function minuteMs(): number {
	const configured = Number(process.env[GRAPH_MINUTE_VARIABLE]);
	return Number.isFinite(configured) && configured > 0 ? configured : 60_000;
}

/** The send times of the last minute, for a limit of so many requests in any minute. */
class SlidingWindow {
	private readonly sent: number[] = [];

	/** Milliseconds until one more request fits under `allowance` (0: now). */
	waitMs(now: number, windowMs: number, allowance: number): number {
		while (this.sent.length && this.sent[0] <= now - windowMs) this.sent.shift();
		if (this.sent.length < allowance) return 0;
		return this.sent[this.sent.length - allowance] + windowMs - now;
	}

	record(now: number): void {
		this.sent.push(now);
	}
}

/** The pace of one app registration in one tenant, shared by every execution of this process. */
export class AppBudget {
	/** When Graph's last Retry-After ends: no request of the app goes before. */
	private openAt = 0;

	private readonly own = new SlidingWindow();

	/** Who waits for a turn, first come first served: each entry grants its turn. */
	private readonly queue: Array<() => void> = [];

	private timer?: NodeJS.Timeout;

	constructor(private readonly tenant: SlidingWindow) {}

	/** Waits for the app's turn (first come, first served), or less when the execution is stopped. */
	async turn(signal?: AbortSignal): Promise<void> {
		if (signal?.aborted) return;
		await new Promise<void>((resolve) => {
			const leave = () => {
				const index = this.queue.indexOf(grant);
				if (index >= 0) this.queue.splice(index, 1);
				// Nobody left to wait for: no timer holds the process until a long Retry-After ends.
				if (this.queue.length === 0) this.stopTimer();
				resolve();
			};
			const grant = () => {
				signal?.removeEventListener('abort', leave);
				resolve();
			};
			signal?.addEventListener('abort', leave, { once: true });
			this.queue.push(grant);
			this.dispatch();
		});
	}

	/** Graph answered 429 (others spend the tenant's share): no request of the app goes for `waitMs`. */
	throttled(waitMs: number): void {
		this.openAt = Math.max(this.openAt, Date.now() + waitMs);
		this.dispatch();
	}

	private stopTimer(): void {
		clearTimeout(this.timer);
		this.timer = undefined;
	}

	private dispatch(): void {
		if (this.timer) return;
		while (this.queue.length) {
			const now = Date.now();
			const windowMs = minuteMs() * WINDOW_MARGIN + WINDOW_MARGIN_MS;
			const wait = Math.max(
				this.openAt - now,
				this.own.waitMs(now, windowMs, PER_APP_PER_MINUTE),
				this.tenant.waitMs(now, windowMs, PER_TENANT_PER_MINUTE),
			);
			if (wait > 0) {
				this.timer = setTimeout(() => {
					this.timer = undefined;
					this.dispatch();
				}, wait);
				return;
			}
			this.own.record(now);
			this.tenant.record(now);
			this.queue.shift()?.();
		}
	}
}

/** Process-wide: Graph counts per app and tenant whatever the execution. */
const budgetsByApp = new Map<string, AppBudget>();
const windowsByTenant = new Map<string, SlidingWindow>();

export function budgetOf({ app: { settings, endpoints } }: GraphAccess): AppBudget {
	const tenantKey = `${endpoints.graphOrigin}|${settings.tenantId.toLowerCase()}`;
	const appKey = `${tenantKey}|${settings.clientId.toLowerCase()}`;
	let budget = budgetsByApp.get(appKey);
	if (!budget) {
		let tenant = windowsByTenant.get(tenantKey);
		if (!tenant) windowsByTenant.set(tenantKey, (tenant = new SlidingWindow()));
		budgetsByApp.set(appKey, (budget = new AppBudget(tenant)));
	}
	return budget;
}
