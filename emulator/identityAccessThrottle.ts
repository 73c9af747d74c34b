import { positiveInteger } from './http';

/**
 * The OLD throttle model, kept for the benchmark's scenario T ("T 100/s", scripts/bench/scenarios.ts) and the
 * specs written against it: NOT Graph's budget for the endpoints the emulator serves. It models Microsoft's
 * "identity and access" limits (a budget of resource units per 10 s and a write quota per 150 s for each
 * app + tenant), simplified to a count of requests per window. Those limits are for directory objects; user
 * flows and API connectors fall under "Identity providers service limits", which ./throttle.ts models
 * (Emulator.setBudget()).
 */
export interface ThrottleOptions {
	/** Requests admitted in a burst, and refilled over each window. */
	requests: number;
	windowMs: number;
}

export interface ThrottleStats {
	allowed: number;
	throttled: number;
}

interface Bucket {
	tokens: number;
	updatedAt: number;
}

/**
 * A token bucket per app + tenant, as Microsoft describes its identity and access throttling ("based on a
 * token bucket algorithm"): it holds `requests` tokens and refills them evenly over `windowMs`; each request
 * takes one. Assumed: every request here costs one unit (Microsoft's table prices these paths at 1) and
 * Retry-After is the wait until one token is back, in whole seconds, at least 1.
 */
export class IdentityAccessThrottle {
	private budget?: ThrottleOptions;
	private readonly buckets = new Map<string, Bucket>();
	private counts: ThrottleStats = { allowed: 0, throttled: 0 };

	/** A new budget, or none (undefined): buckets and counters start afresh either way. */
	configure(budget: ThrottleOptions | undefined): void {
		if (budget) {
			positiveInteger('throttle.requests', budget.requests);
			positiveInteger('throttle.windowMs', budget.windowMs);
		}
		this.budget = budget && { requests: budget.requests, windowMs: budget.windowMs };
		this.buckets.clear();
		this.counts = { allowed: 0, throttled: 0 };
	}

	/**
	 * Counts a request of the app against its budget: undefined when admitted, else the seconds until a
	 * token is back, for Retry-After. A refused request takes no token.
	 */
	admit(tenantId: string, appId: string, now = Date.now()): number | undefined {
		if (!this.budget) return undefined;
		const { requests, windowMs } = this.budget;
		const key = `${tenantId}/${appId}`.toLowerCase();
		const bucket = this.buckets.get(key) ?? { tokens: requests, updatedAt: now };
		bucket.tokens = Math.min(
			requests,
			bucket.tokens + ((now - bucket.updatedAt) * requests) / windowMs,
		);
		bucket.updatedAt = now;
		this.buckets.set(key, bucket);
		if (bucket.tokens >= 1) {
			bucket.tokens -= 1;
			this.counts.allowed += 1;
			return undefined;
		}
		this.counts.throttled += 1;
		return Math.max(1, Math.ceil(((1 - bucket.tokens) * windowMs) / requests / 1000));
	}

	get active(): boolean {
		return this.budget !== undefined;
	}

	stats(): ThrottleStats {
		return { ...this.counts };
	}
}
