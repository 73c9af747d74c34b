import type { GraphAccess } from './types';

/*
 * Graph's documented budget for user flows and API connectors (Microsoft Graph throttling limits, "Identity
 * providers service limits"): 200 requests per minute per app and tenant, and 300 per minute per tenant for
 * all apps together; every step of a $batch counts. Microsoft does not say whether the limits refill evenly
 * or per fixed window, so the node paces each app to at most its allowance in any minute (and each tenant of
 * this process to 300): that fits both. A 429 still comes when others spend the budget: other apps the
 * tenant's 300, or other n8n processes (queue-mode workers) this app's 200, which this process cannot see.
 * Then Graph's Retry-After holds every request of the app, not only the one that got it, and the allowance,
 * 200 to begin with, adapts (additive increase, multiplicative decrease, as TCP does):
 * - Down on a 429 that the node's own pace does not explain (Graph admitted fewer than 200 of this process's
 *   requests in its last minute), at most once a half minute (the 429s of one burst tell the same): to what
 *   Graph admitted of this process in its last minute, but at least half the allowance and at least 10, a
 *   floor that still makes progress. Graph admits at most 200 of an app in a minute whoever sends them, so
 *   processes that share an app land together at about 200 after one such round.
 * - Up by 10 for every quarter of a minute since the last decrease, back to 200: slowly, so that 429s stay
 *   rare, yet a process whose partner has finished, or whose rival has stopped, regains the budget soon.
 * Requests refused with 429 stay counted in the pace: if Graph counts them too, sending them again at once
 * would only prolong the throttling.
 */
const PER_APP_PER_MINUTE = 200;
const PER_TENANT_PER_MINUTE = 300;
/** The slowest pace: still progress when others spend almost all of the budget. */
const FLOOR_PER_MINUTE = 10;
/** What the allowance regains per quarter of a minute without a decrease. */
const RECOVERY_PER_QUARTER = 10;

/**
 * Requests reach Graph a little after they leave, some later than others (a batch later still): a minute here
 * is 2 % longer (1.2 s of a real minute), so that no burst lands before Graph's minute has ended. In
 * proportion to the minute, so that a time-scaled Graph sees the same pace as a real one.
 */
const WINDOW_MARGIN = 1.02;

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

	/** How many were sent after `since`. */
	countSince(since: number): number {
		return this.sent.filter((sentAt) => sentAt > since).length;
	}

	/** Drops what was sent at `before` or earlier. */
	forget(before: number): void {
		const kept = this.sent.filter((sentAt) => sentAt > before);
		this.sent.splice(0, this.sent.length, ...kept);
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

	/** When the app's requests refused with 429 were sent (for what Graph admitted in its last minute). */
	private readonly refused = new SlidingWindow();

	/** The allowance set by the last decrease, and when: it recovers from there. */
	private decreasedTo = PER_APP_PER_MINUTE;
	private decreasedAt = -Infinity;

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

	/** Requests of the app per minute, for now: see the comment at the top. */
	private allowance(now: number): number {
		const quietQuarters = Math.floor((now - this.decreasedAt) / (minuteMs() / 4));
		return Math.min(PER_APP_PER_MINUTE, this.decreasedTo + RECOVERY_PER_QUARTER * quietQuarters);
	}

	/**
	 * Graph answered 429 to a request sent at `sentAt`: no request of the app goes for `waitMs`, and the
	 * allowance comes down when others spend the budget (see the comment at the top).
	 */
	throttled(waitMs: number, sentAt: number): void {
		const now = Date.now();
		this.openAt = Math.max(this.openAt, now + waitMs);
		this.refused.record(sentAt);
		const graphMinuteAgo = now - minuteMs();
		this.refused.forget(graphMinuteAgo);
		const admitted = this.own.countSince(graphMinuteAgo) - this.refused.countSince(graphMinuteAgo);
		// Graph admitted the app's whole 200 from this process alone: its own pace, so only the hold.
		if (now - this.decreasedAt >= minuteMs() / 2 && admitted < PER_APP_PER_MINUTE) {
			const current = this.allowance(now);
			this.decreasedTo = Math.min(current, Math.max(FLOOR_PER_MINUTE, current / 2, admitted));
			this.decreasedAt = now;
		}
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
			const windowMs = minuteMs() * WINDOW_MARGIN;
			const wait = Math.max(
				this.openAt - now,
				this.own.waitMs(now, windowMs, Math.floor(this.allowance(now))),
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
