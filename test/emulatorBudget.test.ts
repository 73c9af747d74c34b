// Graph's documented budget for user flows and API connectors, as the emulator models it (emulator/throttle.ts):
// 200 requests a minute per app + tenant and 300 per tenant, in both variants, over real HTTPS.
//
// Time scales: the window variant runs at timeScale 20 (a minute lasts 3 s). The continuous variant refills
// one request every 300 ms per app at timeScale 1, too fast for a burst of 200 HTTPS requests to be exact on a
// shared machine, so its exact specs run at timeScale 0.1 (one request every 3 s per app, 2 s per tenant) and
// its rival spec at timeScale 10 with bounds.
import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';

import { RIVAL_APP_ID, SEEDED_CLIENT_SECRET, type GraphBudget } from '../emulator';
import { retryAfterValue } from '../emulator/throttle';
import { rawHttps, type Answer } from './support/rawHttps';
import { useEmulator } from './support/useEmulator';

const FLOWS = '/v1.0/identity/b2xUserFlows';
const CHUNK = 20;

const { emulator } = useEmulator();
/** Kept connections, 20 at a time: a burst of 300 takes a fraction of a second. */
const { send, token } = rawHttps(emulator, { keepAlive: true, maxSockets: 20 });

/** A second app registration of the External ID tenant, and its token. */
async function secondApp(): Promise<{ clientId: string; token: string }> {
	const { clientId } = emulator.state.addApp({
		tenantId: emulator.defaults.tenantId,
		clientSecret: SEEDED_CLIENT_SECRET,
	});
	return { clientId, token: await token(clientId) };
}

/** `count` GETs, CHUNK at a time; the answers in order of sending. */
async function burst(count: number, accessToken: string): Promise<Answer[]> {
	const answers: Answer[] = [];
	for (let sent = 0; sent < count; sent += CHUNK) {
		const size = Math.min(CHUNK, count - sent);
		answers.push(
			...(await Promise.all(
				Array.from({ length: size }, () => send('GET', FLOWS, { token: accessToken })),
			)),
		);
	}
	return answers;
}

/** GETs, CHUNK at a time, until a chunk has a 429: the answers, and when the last chunk was sent. */
async function untilRefused(
	accessToken: string,
): Promise<{ answers: Answer[]; lastChunkAt: number }> {
	const answers: Answer[] = [];
	let lastChunkAt = Date.now();
	while (!answers.some((answer) => answer.status === 429)) {
		lastChunkAt = Date.now();
		answers.push(...(await burst(CHUNK, accessToken)));
		if (answers.length > 1000) throw new Error('never refused');
	}
	return { answers, lastChunkAt };
}

/** `count` GETs one after another: the statuses, in order. */
async function sequential(count: number, accessToken: string): Promise<number[]> {
	const answered: number[] = [];
	for (let index = 0; index < count; index++)
		answered.push((await send('GET', FLOWS, { token: accessToken })).status);
	return answered;
}

const count = (answers: Answer[], status: number) =>
	answers.filter((answer) => answer.status === status).length;
const retryAfter = (answer: Answer) => Number(answer.headers['retry-after']);
const appKey = (clientId: string) => `${emulator.defaults.tenantId}/${clientId}`.toLowerCase();
const tenantKey = () => emulator.defaults.tenantId.toLowerCase();

const WINDOW: GraphBudget = { variant: 'window', timeScale: 20 };
const WINDOW_MS = 3000;
const CONTINUOUS: GraphBudget = { variant: 'continuous', timeScale: 0.1 };
/** At timeScale 0.1: one request of an app's 200 a minute, and of the tenant's 300, in real ms. */
const APP_REQUEST_MS = 3000;
const TENANT_REQUEST_MS = 2000;

describe.each<[GraphBudget['variant'], GraphBudget]>([
	['window', WINDOW],
	['continuous', CONTINUOUS],
])('the %s budget', (variant, budget) => {
	it('per app: a burst of 200 is admitted, the 201st is 429 with the Retry-After of the variant; after it, one more is admitted', async () => {
		const accessToken = await token();
		emulator.setBudget(budget);

		// The first request starts the window (or spends the first of the bucket) between these two times.
		const started = Date.now();
		const admitted = [await send('GET', FLOWS, { token: accessToken })];
		const firstAnswered = Date.now();
		admitted.push(...(await burst(199, accessToken)));
		const beforeRefused = Date.now();
		const refused = await send('GET', FLOWS, { token: accessToken });

		expect(count(admitted, 200)).toBe(200);
		expect(refused.status).toBe(429);
		expect(refused.body.error.code).toBe('TooManyRequests');
		const wait = retryAfter(refused) * 1000;
		if (variant === 'window') {
			// The rest of the window that the first request started.
			expect(wait).toBeLessThanOrEqual(WINDOW_MS - (beforeRefused - firstAnswered) + 1);
			expect(wait).toBeGreaterThan(WINDOW_MS - (Date.now() - started) - 1);
		} else {
			// One request's time, less what refilled during the burst.
			expect(wait).toBeLessThanOrEqual(APP_REQUEST_MS - (beforeRefused - firstAnswered) + 1);
			expect(wait).toBeGreaterThan(APP_REQUEST_MS - (Date.now() - started) - 1);
		}
		// Scaled: seconds with decimals, to the millisecond.
		expect(String(refused.headers['retry-after'])).toMatch(/^\d+(\.\d{1,3})?$/);
		expect(emulator.budgetStats()).toMatchObject({
			admitted: 200,
			throttled: 1,
			tooManyRequests: 1,
			refusedBy: { app: 1, tenant: 0, both: 0 },
			apps: { [appKey(emulator.defaults.clientId)]: { admitted: 200, throttled: 1 } },
			tenants: { [tenantKey()]: { admitted: 200, throttled: 1 } },
		});

		await sleep(wait + 5);
		expect((await send('GET', FLOWS, { token: accessToken })).status).toBe(200);
		if (variant === 'window') {
			// A new window: a whole minute's allowance again.
			expect(count(await burst(199, accessToken), 200)).toBe(199);
			expect((await send('GET', FLOWS, { token: accessToken })).status).toBe(429);
		} else {
			// One request refilled, not more.
			expect((await send('GET', FLOWS, { token: accessToken })).status).toBe(429);
		}
	});

	it('per tenant: two apps of one tenant get 300 together; the 301st is refused though each app is under 200, and Retry-After follows the tenant', async () => {
		const first = await token();
		emulator.setBudget(budget);
		const second = await secondApp();

		const started = Date.now();
		const firstAnswers = [await send('GET', FLOWS, { token: first })];
		const firstAnswered = Date.now();
		firstAnswers.push(...(await burst(149, first)));
		// The second app's own window and bucket start later than the tenant's.
		await sleep(300);
		const secondAnswers = await burst(150, second.token);
		const beforeRefused = Date.now();
		const refused = await send('GET', FLOWS, { token: second.token });

		expect(count(firstAnswers, 200)).toBe(150);
		expect(count(secondAnswers, 200)).toBe(150);
		expect(refused.status).toBe(429);
		const wait = retryAfter(refused) * 1000;
		const limitMs = variant === 'window' ? WINDOW_MS : TENANT_REQUEST_MS;
		// The second app's own window or bucket would say more: it started 300 ms later, or has 50 left.
		expect(wait).toBeLessThanOrEqual(limitMs - (beforeRefused - firstAnswered) + 1);
		expect(wait).toBeGreaterThan(limitMs - (Date.now() - started) - 1);
		expect(emulator.budgetStats()).toMatchObject({
			admitted: 300,
			throttled: 1,
			tooManyRequests: 1,
			refusedBy: { app: 0, tenant: 1, both: 0 },
			apps: {
				[appKey(emulator.defaults.clientId)]: { admitted: 150, throttled: 0 },
				[appKey(second.clientId)]: { admitted: 150, throttled: 1 },
			},
			tenants: { [tenantKey()]: { admitted: 300, throttled: 1 } },
		});
		// Another tenant's budget is its own.
		const b2c = await send('POST', `/${emulator.defaults.b2cTenantId}/oauth2/v2.0/token`, {
			form: {
				client_id: emulator.defaults.b2cClientId,
				client_secret: emulator.defaults.clientSecret,
				grant_type: 'client_credentials',
				scope: 'https://graph.microsoft.com/.default',
			},
		});
		const b2cToken = b2c.body.access_token as string;
		expect((await send('GET', '/beta/identity/b2cUserFlows', { token: b2cToken })).status).toBe(
			200,
		);

		await sleep(wait + 5);
		expect((await send('GET', FLOWS, { token: first })).status).toBe(200);
	});

	it('$batch: every step counts, the POST itself not; steps beyond the budget are 429 with their own Retry-After inside a 200 batch', async () => {
		const accessToken = await token();
		emulator.setBudget(budget);
		const steps = (size: number) =>
			Array.from({ length: size }, (_, index) => ({
				id: String(index + 1),
				method: 'GET',
				url: '/identity/apiConnectors',
			}));
		const batch = () =>
			send('POST', '/v1.0/$batch', { token: accessToken, json: { requests: steps(20) } });

		const started = Date.now();
		const first = await batch();
		expect(first.status).toBe(200);
		expect(first.body.responses.map((step: { status: number }) => step.status)).toEqual(
			Array(20).fill(200),
		);
		expect(emulator.budgetStats()).toMatchObject({ admitted: 20, throttled: 0 });

		expect(count(await burst(170, accessToken), 200)).toBe(170);
		const mixed = await batch();

		expect(mixed.status).toBe(200);
		const responses = mixed.body.responses as Array<{
			status: number;
			headers: Record<string, string>;
			body: { error?: { code: string } };
		}>;
		expect(responses.map((step) => step.status)).toEqual([
			...Array(10).fill(200),
			...Array(10).fill(429),
		]);
		const limitMs = variant === 'window' ? WINDOW_MS : APP_REQUEST_MS;
		for (const step of responses.slice(10)) {
			expect(step.body.error?.code).toBe('TooManyRequests');
			const wait = Number(step.headers['Retry-After']) * 1000;
			expect(wait).toBeGreaterThan(0);
			expect(wait).toBeLessThanOrEqual(limitMs);
		}
		expect(Date.now() - started).toBeLessThan(limitMs);
		expect(emulator.budgetStats()).toMatchObject({
			admitted: 200,
			throttled: 10,
			tooManyRequests: 10,
			refusedBy: { app: 10, tenant: 0, both: 0 },
		});
	});
});

describe('the rival app', () => {
	it('window: spends its share of the tenant; the app is refused by the tenant under its own 200, with the tenant window in Retry-After', async () => {
		const accessToken = await token();
		// A minute lasts 6 s; the rival spends 150 a minute, 25 a second, from the start of the tenant's window.
		emulator.setBudget({ variant: 'window', timeScale: 10 });
		const started = Date.now();
		const stop = emulator.startRival({ perMinute: 150 });
		while (emulator.budgetStats().rivals.admitted < 105) await sleep(20);

		const burstStarted = Date.now();
		const { answers } = await untilRefused(accessToken);
		const refusedAt = Date.now();
		stop();
		const stats = emulator.budgetStats();

		const appAdmitted = count(answers, 200);
		expect(appAdmitted).toBeLessThan(200);
		expect(appAdmitted + stats.rivals.admitted).toBe(300);
		expect(stats.tenants[tenantKey()].admitted).toBe(300);
		expect(stats.apps[appKey(RIVAL_APP_ID)].admitted).toBe(stats.rivals.admitted);
		expect(stats.apps[appKey(emulator.defaults.clientId)]).toEqual({
			admitted: appAdmitted,
			throttled: count(answers, 429),
		});
		expect(stats.refusedBy.app).toBe(0);
		expect(stats.tooManyRequests).toBe(count(answers, 429));
		expect(stats.throttled).toBe(count(answers, 429) + stats.rivals.throttled);
		// The rival's share: 25 a second since it started (its first at once), up to the tenant's 300.
		const due = Math.floor(((refusedAt - started) * 150) / 6000) + 1;
		expect(stats.rivals.admitted + stats.rivals.throttled).toBeLessThanOrEqual(due);
		expect(stats.rivals.admitted + stats.rivals.throttled).toBeGreaterThanOrEqual(due - 8);
		// The tenant's window began with the rival's first request; the app's own (about 6 s) 4 s later.
		const refusal = answers.find((answer) => answer.status === 429)!;
		expect(retryAfter(refusal) * 1000).toBeLessThanOrEqual(6000 - (burstStarted - started) + 1);
		expect(retryAfter(refusal) * 1000).toBeGreaterThanOrEqual(6000 - (refusedAt - started));

		// Stopped: it spends no more.
		await sleep(100);
		expect(emulator.budgetStats().rivals).toEqual(stats.rivals);
	});

	it('continuous: spends its share of the tenant refill; what the app gets back is the refill less the rival', async () => {
		const first = await token();
		// A minute lasts 6 s: the tenant refills 50 a second; the rival spends 25 a second.
		emulator.setBudget({ variant: 'continuous', timeScale: 10 });
		const second = await secondApp();

		// Both apps empty the tenant's bucket of 300.
		expect(count(await burst(200, first), 200)).toBe(200);
		const { answers: drained, lastChunkAt: drainLastChunkAt } = await untilRefused(second.token);
		expect(emulator.budgetStats().refusedBy).toEqual({
			app: 0,
			tenant: count(drained, 429),
			both: 0,
		});
		const drainEnded = Date.now();

		const rivalStarted = Date.now();
		const stop = emulator.startRival({ perMinute: 150 });
		await sleep(2000);
		stop();
		const rivalStopped = Date.now();
		const rival = emulator.budgetStats().rivals;
		const { answers: again, lastChunkAt: againLastChunkAt } = await untilRefused(second.token);
		const ended = Date.now();
		const stats = emulator.budgetStats();

		// The rival's rate: 25 a second, its first at once; it is refused only when the app drained the bucket.
		expect(rival.admitted + rival.throttled).toBeLessThanOrEqual(
			Math.floor(((rivalStopped - rivalStarted) * 150) / 6000) + 1,
		);
		expect(rival.admitted).toBeGreaterThanOrEqual(
			Math.floor(((rivalStopped - rivalStarted) * 150) / 6000) - 5,
		);
		// The tenant bucket is empty (under 1) at both refusals: what the tenant admitted in between is its
		// refill, 50 a second, the rival's share included (without it, the app would get the rival's ~50 too).
		const afterDrain = count(again, 200) + rival.admitted;
		expect(afterDrain).toBeLessThanOrEqual(
			Math.ceil(((ended - drainLastChunkAt) * 300) / 6000) + 3,
		);
		expect(afterDrain).toBeGreaterThanOrEqual(
			Math.floor(((againLastChunkAt - drainEnded) * 300) / 6000) - 3,
		);
		expect(count(again, 200)).toBeLessThan(afterDrain - 40);
		expect(stats.tenants[tenantKey()].admitted).toBe(200 + count(drained, 200) + afterDrain);
		expect(stats.refusedBy.app).toBe(0);
		expect(stats.tooManyRequests).toBe(count(drained, 429) + count(again, 429));
	});

	it('needs a budget, and stops with reset()', async () => {
		expect(() => emulator.startRival({ perMinute: 150 })).toThrow('needs a budget');
		emulator.setBudget({ variant: 'window', timeScale: 10 });
		emulator.startRival({ perMinute: 150 });
		await sleep(100);
		expect(emulator.budgetStats().rivals.admitted).toBeGreaterThan(0);
		emulator.reset();
		emulator.setBudget({ variant: 'window', timeScale: 10 });
		await sleep(200);
		expect(emulator.budgetStats().rivals).toEqual({ admitted: 0, throttled: 0 });
	});
});

describe('the budget in real time, and its settings', () => {
	it('sends whole seconds at timeScale 1: the rest of the window, or one request of a bucket, rounded up', async () => {
		const accessToken = await token();
		emulator.setBudget({ variant: 'window', perAppPerMinute: 2 });
		expect(await sequential(3, accessToken)).toEqual([200, 200, 429]);
		const windowRefusal = await send('GET', FLOWS, { token: accessToken });
		expect(windowRefusal.headers['retry-after']).toMatch(/^(59|60)$/);

		emulator.setBudget({ variant: 'continuous', perAppPerMinute: 2 });
		expect(await sequential(3, accessToken)).toEqual([200, 200, 429]);
		const bucketRefusal = await send('GET', FLOWS, { token: accessToken });
		expect(bucketRefusal.headers['retry-after']).toMatch(/^(29|30)$/);

		expect(retryAfterValue(1, 1)).toBe('1');
		expect(retryAfterValue(1001, 1)).toBe('2');
		expect(retryAfterValue(600, 10)).toBe('0.6');
		expect(retryAfterValue(0.2, 10)).toBe('0.001');
		expect(retryAfterValue(12_345.6, 0.1)).toBe('12.346');
	});

	it('refuses a bad budget and is off after reset()', async () => {
		const accessToken = await token();
		expect(() => emulator.setBudget({ variant: 'window', perAppPerMinute: 0 })).toThrow(
			'budget.perAppPerMinute must be a positive integer',
		);
		expect(() => emulator.setBudget({ variant: 'continuous', timeScale: 0 })).toThrow(
			'budget.timeScale must be a positive number',
		);
		expect(() => emulator.setBudget({ variant: 'sliding' as GraphBudget['variant'] })).toThrow(
			"budget.variant must be 'continuous' or 'window'",
		);

		emulator.setBudget({ variant: 'window', perTenantPerMinute: 1 });
		expect(await sequential(2, accessToken)).toEqual([200, 429]);
		emulator.reset();
		expect(await sequential(2, accessToken)).toEqual([200, 200]);
		expect(emulator.budgetStats()).toMatchObject({ admitted: 0, throttled: 0 });
	});
});
