import { sharedBudgetOf, type SharedAppBudget } from './sharedBudget';
import type { GraphAccess } from './types';

/*
 * Graph's documented budget for user flows and API connectors (Microsoft Graph throttling limits, "Identity
 * providers service limits"): 200 requests per minute per app and tenant, and 300 per minute per tenant for
 * all apps together; every step of a $batch counts. Microsoft does not say whether the limits refill evenly
 * or per fixed window, so the node paces each app to at most its allowance in any minute (and each tenant of
 * this process to 300): that fits both. A request counts from when it leaves until a minute after its answer
 * came, since Graph counted it somewhere in between: however long the way, no burst lands before Graph's
 * minute has ended.
 *
 * A 429 still comes when others spend the budget: other apps the tenant's 300, or other n8n processes this
 * app's 200 (outside queue mode, or with its Redis failing, this process cannot see them). Then Graph's
 * Retry-After holds every request of the app, not only the one that got it, and the allowance, 200 to begin
 * with, adapts (additive increase, multiplicative decrease, as TCP does):
 * - Down on a 429 that the node's own pace does not explain (Graph admitted fewer than 200 of this process's
 *   requests in its last minute), at most once a half minute (the 429s of one burst tell the same): to what
 *   Graph admitted of this process in its last minute, but at least half the allowance and at least 10, a
 *   floor that still makes progress. Graph admits at most 200 of an app in a minute whoever sends them, so
 *   processes that share an app land together at about 200 after one such round.
 * - Up by 10 for every quarter of a minute since the last decrease, back to 200: slowly, so that 429s stay
 *   rare, yet a process whose partner has finished, or whose rival has stopped, regains the budget soon.
 * - While below 200, the requests also go no faster than a bucket that refills evenly at the allowance, empty
 *   at the decrease: spread over the minute, as bursts of processes that share the budget would meet and an
 *   evenly refilling Graph would refuse most of them; yet after a long Retry-After (Graph's fixed window) the
 *   bucket has filled, and the new window is used from its start.
 * A request refused with 429 leaves the pace, as Graph does not count it either (the emulator assumes so;
 * Microsoft does not say): otherwise it would keep a place of the minute that Graph gave to another request,
 * and the last items of a run would wait a minute more for nothing.
 *
 * In n8n's queue mode the counts of the app and the tenant are also kept in queue mode's Redis
 * (sharedBudget.ts): every process takes its turns from them too, so that the main and the workers together
 * pace as one, and a 429 that one of them gets holds them all.
 */
const PER_APP_PER_MINUTE = 200;
const PER_TENANT_PER_MINUTE = 300;
/** The slowest pace: still progress when others spend almost all of the budget. */
const FLOOR_PER_MINUTE = 10;
/** What the allowance regains per quarter of a minute without a decrease. */
const RECOVERY_PER_QUARTER = 10;

/** How soon a turn looks again when the tenant's 300 are all on their way, some of other apps. */
const TENANT_RECHECK_MS = 100;

/** A minute here is 1 % longer than Graph's, for clocks and counters that do not quite agree. */
const WINDOW_MARGIN = 1.01;

/**
 * How long Graph's minute lasts, in ms: only for a time-scaled Graph emulator (the specs, the benchmark, the
 * fault run), since a real Graph's minute is 60,000 ms. Read at every turn, so a spec can change it.
 */
export const GRAPH_MINUTE_VARIABLE = 'ENTRA_USER_FLOWS_GRAPH_MINUTE_MS';

function minuteMs(): number {
	const configured = Number(process.env[GRAPH_MINUTE_VARIABLE]);
	return Number.isFinite(configured) && configured > 0 ? configured : 60_000;
}

/** One request in the pace: when it left, and when its answer (or failure) came; Infinity until then. */
export interface BudgetSlot {
	readonly sentAt: number;
	countsUntil: number;
	/** Its place in queue mode's shared counts, if it has one. */
	readonly shared?: string;
}

/**
 * How soon a turn looks at the shared counts again at the latest: the other processes' answers, which free
 * places, are not heard of otherwise.
 */
const SHARED_RECHECK_PER_MINUTE = 12;

/** The requests of the last minute, for a limit of so many requests in any minute. */
class SlidingWindow {
	private slots: BudgetSlot[] = [];

	/** Milliseconds until one more request fits under `allowance`: 0 now, Infinity once an answer comes. */
	waitMs(now: number, windowMs: number, allowance: number): number {
		this.slots = this.slots.filter((slot) => slot.countsUntil > now - windowMs);
		if (this.slots.length < allowance) return 0;
		const ends = this.slots.map((slot) => slot.countsUntil).sort((a, b) => a - b);
		return ends[this.slots.length - allowance] + windowMs - now;
	}

	/** How many were sent after `since`. */
	sentSince(since: number): number {
		return this.slots.filter((slot) => slot.sentAt > since).length;
	}

	add(slot: BudgetSlot): void {
		this.slots.push(slot);
	}

	remove(slot: BudgetSlot): void {
		this.slots = this.slots.filter((other) => other !== slot);
	}
}

/** A bucket that refills evenly, `allowance` a minute, up to `allowance`: requests spread over the minute. */
class Refill {
	private level = 0;
	private at = 0;

	private levelAt(now: number, windowMs: number, allowance: number): number {
		return Math.min(allowance, this.level + ((now - this.at) * allowance) / windowMs);
	}

	waitMs(now: number, windowMs: number, allowance: number): number {
		const level = this.levelAt(now, windowMs, allowance);
		return level >= 1 ? 0 : ((1 - level) * windowMs) / allowance;
	}

	take(now: number, windowMs: number, allowance: number): void {
		this.level = this.levelAt(now, windowMs, allowance) - 1;
		this.at = now;
	}

	empty(now: number): void {
		this.level = 0;
		this.at = now;
	}
}

/** The pace of one app registration in one tenant, shared by every execution of this process. */
export class AppBudget {
	/** When Graph's last Retry-After ends: no request of the app goes before. */
	private openAt = 0;

	private readonly own = new SlidingWindow();

	/** The allowance set by the last decrease, and when: it recovers from there. */
	private decreasedTo = PER_APP_PER_MINUTE;
	private decreasedAt = -Infinity;

	/** While the allowance is below 200: its requests spread over the minute (see the comment at the top). */
	private readonly spread = new Refill();

	/** Who waits for a turn, first come first served: each entry grants its turn. */
	private readonly queue: Array<(slot: BudgetSlot) => void> = [];

	private timer?: NodeJS.Timeout;
	/** A place is being taken from the shared counts: one at a time, in the order of the queue. */
	private taking = false;

	constructor(
		private readonly tenant: SlidingWindow,
		private readonly shared?: SharedAppBudget,
	) {}

	/**
	 * Waits for the app's turn (first come, first served): the slot of the request, to be ended with
	 * answered(). Undefined, sooner, when the execution is stopped.
	 */
	async turn(signal?: AbortSignal): Promise<BudgetSlot | undefined> {
		if (signal?.aborted) return undefined;
		return await new Promise<BudgetSlot | undefined>((resolve) => {
			const leave = () => {
				const index = this.queue.indexOf(grant);
				if (index >= 0) this.queue.splice(index, 1);
				// Nobody left to wait for: no timer holds the process until a long Retry-After ends.
				if (this.queue.length === 0) this.stopTimer();
				resolve(undefined);
			};
			const grant = (slot: BudgetSlot) => {
				signal?.removeEventListener('abort', leave);
				resolve(slot);
			};
			signal?.addEventListener('abort', leave, { once: true });
			this.queue.push(grant);
			this.dispatch();
		});
	}

	/** The request's answer (or its failure) came: it counts for a minute from now. */
	answered(slot: BudgetSlot): void {
		slot.countsUntil = Date.now();
		if (slot.shared) this.shared?.answered(slot.shared);
		this.dispatch();
	}

	/**
	 * Graph answered 429 to the request of `slot`: no request of the app goes for `waitMs`, and the allowance
	 * comes down when others spend the budget (see the comment at the top).
	 */
	throttled(waitMs: number, slot: BudgetSlot): void {
		const now = Date.now();
		this.openAt = Math.max(this.openAt, now + waitMs);
		this.own.remove(slot);
		this.tenant.remove(slot);
		// The requests sent in Graph's last minute, those refused left out: what Graph admitted (or will).
		const admittedHere = this.own.sentSince(now - minuteMs());
		if (slot.shared && this.shared) {
			// Of every process: the other processes' requests are the app's pace too.
			void this.shared.throttled(slot.shared, waitMs, minuteMs()).then((admitted) => {
				this.adapt(now, admitted ?? admittedHere);
				this.dispatch();
			});
		} else this.adapt(now, admittedHere);
		this.dispatch();
	}

	/** After a 429, with what Graph `admitted` of the app in its last minute (see the comment at the top). */
	private adapt(now: number, admitted: number): void {
		// Graph admitted the app's whole 200: the app's own pace, so only the hold.
		if (now - this.decreasedAt >= minuteMs() / 2 && admitted < PER_APP_PER_MINUTE) {
			const current = this.allowance(now);
			this.decreasedTo = Math.min(current, Math.max(FLOOR_PER_MINUTE, current / 2, admitted));
			this.decreasedAt = now;
			this.spread.empty(now);
		}
	}

	/** Requests of the app per minute, for now: see the comment at the top. */
	private allowance(now: number): number {
		const quietQuarters = Math.floor((now - this.decreasedAt) / (minuteMs() / 4));
		return Math.min(PER_APP_PER_MINUTE, this.decreasedTo + RECOVERY_PER_QUARTER * quietQuarters);
	}

	private stopTimer(): void {
		clearTimeout(this.timer);
		this.timer = undefined;
	}

	private wake(afterMs: number): void {
		this.timer = setTimeout(() => {
			this.timer = undefined;
			this.dispatch();
		}, afterMs);
	}

	private dispatch(): void {
		if (this.timer || this.taking) return;
		while (this.queue.length) {
			const now = Date.now();
			const windowMs = minuteMs() * WINDOW_MARGIN;
			const allowance = this.allowance(now);
			const spreading = allowance < PER_APP_PER_MINUTE;
			const ownWait = Math.max(
				this.own.waitMs(now, windowMs, Math.floor(allowance)),
				spreading ? this.spread.waitMs(now, windowMs, allowance) : 0,
			);
			// Every slot of the app is still on its way: its next answer dispatches again.
			if (ownWait === Infinity) return;
			const tenantWait = this.tenant.waitMs(now, windowMs, PER_TENANT_PER_MINUTE);
			// The tenant's are, with other apps' answers to come: looked at again shortly.
			const wait = Math.max(
				this.openAt - now,
				ownWait,
				tenantWait === Infinity ? TENANT_RECHECK_MS : tenantWait,
			);
			if (wait > 0) return this.wake(wait);
			if (this.shared?.usable) return this.takeShared(this.shared, windowMs, allowance);
			this.grant(now, windowMs, allowance);
		}
	}

	/** The first in the queue sends now. */
	private grant(now: number, windowMs: number, allowance: number, shared?: string): void {
		if (allowance < PER_APP_PER_MINUTE) this.spread.take(now, windowMs, allowance);
		const slot: BudgetSlot = { sentAt: now, countsUntil: Infinity, shared };
		this.own.add(slot);
		this.tenant.add(slot);
		this.queue.shift()?.(slot);
	}

	/** Takes a place in queue mode's shared counts for the first in the queue, or waits until one may be free. */
	private takeShared(shared: SharedAppBudget, windowMs: number, allowance: number): void {
		this.taking = true;
		void shared.take(Math.floor(allowance), PER_TENANT_PER_MINUTE, windowMs).then((turn) => {
			this.taking = false;
			if (turn && 'waitMs' in turn) {
				return this.wake(Math.min(turn.waitMs, windowMs / SHARED_RECHECK_PER_MINUTE));
			}
			if (turn) {
				// Whoever asked may have been stopped meanwhile: the place goes back.
				if (this.queue.length) this.grant(Date.now(), windowMs, allowance, turn.member);
				else shared.release(turn.member);
			}
			// Redis failed (turn undefined): this process paces alone for a while.
			this.dispatch();
		});
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
		budgetsByApp.set(appKey, (budget = new AppBudget(tenant, sharedBudgetOf(tenantKey, appKey))));
	}
	return budget;
}
