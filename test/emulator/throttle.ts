import { positiveInteger } from './http';

/**
 * A request budget per app registration + tenant. Microsoft's identity and access limits are a budget of
 * resource units per 10 s and a write quota per 150 s for each app + tenant; the emulator simplifies both
 * to a count of requests per window.
 */
export interface ThrottleOptions {
	/** Requests admitted per window; the next ones get 429 until the window ends. */
	requests: number;
	windowMs: number;
}

export interface ThrottleStats {
	allowed: number;
	throttled: number;
}

interface ThrottleWindow {
	startedAt: number;
	used: number;
}

/**
 * Fixed windows, one per app + tenant, each starting at the first request after the previous one ended.
 * Assumed: Microsoft does not say whether its windows are fixed or sliding; fixed ones make Retry-After exact.
 */
export class RequestThrottle {
	private budget?: ThrottleOptions;
	private readonly windows = new Map<string, ThrottleWindow>();
	private counts: ThrottleStats = { allowed: 0, throttled: 0 };

	/** A new budget, or none (undefined): windows and counters start afresh either way. */
	configure(budget: ThrottleOptions | undefined): void {
		if (budget) {
			positiveInteger('throttle.requests', budget.requests);
			positiveInteger('throttle.windowMs', budget.windowMs);
		}
		this.budget = budget && { requests: budget.requests, windowMs: budget.windowMs };
		this.windows.clear();
		this.counts = { allowed: 0, throttled: 0 };
	}

	/**
	 * Counts a request of the app against its budget: undefined when admitted, else the seconds until its
	 * window ends (whole, at least 1), for Retry-After. A refused request does not use the budget.
	 */
	admit(tenantId: string, appId: string, now = Date.now()): number | undefined {
		if (!this.budget) return undefined;
		const window = this.currentWindow(`${tenantId}/${appId}`.toLowerCase(), this.budget.windowMs, now);
		if (window.used < this.budget.requests) {
			window.used += 1;
			this.counts.allowed += 1;
			return undefined;
		}
		this.counts.throttled += 1;
		return Math.max(1, Math.ceil((window.startedAt + this.budget.windowMs - now) / 1000));
	}

	stats(): ThrottleStats {
		return { ...this.counts };
	}

	private currentWindow(key: string, windowMs: number, now: number): ThrottleWindow {
		const window = this.windows.get(key);
		if (window && now < window.startedAt + windowMs) return window;
		const next = { startedAt: now, used: 0 };
		this.windows.set(key, next);
		return next;
	}
}
