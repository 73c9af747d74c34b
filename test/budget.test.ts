// Graph's documented budget for these endpoints (200 requests a minute per app + tenant, 300 per tenant), as the
// emulator models it in both variants, time-scaled so that a minute lasts 3 s: the node paces itself to it, no
// item fails, and a long Retry-After is waited out when nobody is watching.
import { GRAPH_MINUTE_VARIABLE } from '../nodes/UserFlowApiConnectors/transport';
import type { GraphBudget } from '../emulator';
import { seedFlowItems, setStepFromItems } from './support/setStep';
import { useEmulator } from './support/useEmulator';

const TIME_SCALE = 20;
const MINUTE_MS = 60_000 / TIME_SCALE;

const fixture = useEmulator();
const { emulator } = fixture;

beforeEach(() => {
	process.env[GRAPH_MINUTE_VARIABLE] = String(MINUTE_MS);
});
afterEach(() => {
	process.env[GRAPH_MINUTE_VARIABLE] = '1';
});

/** Set Step over `count` flows of their own; the run's wall time, output and the emulator's statuses. */
async function setSteps(count: number, requestOptions: { batching?: boolean } = {}) {
	const prefix = `B2X_1_Budget${Math.random().toString(36).slice(2, 8)}`;
	const items = seedFlowItems(
		emulator,
		Array.from({ length: count }, (_, i) => `${prefix}${i}`),
	);
	// An app registration of its own: the node's pace is per app for the life of the process.
	const secret = `budget-secret-${prefix}`;
	const { clientId } = emulator.state.addApp({
		tenantId: emulator.defaults.tenantId,
		clientSecret: secret,
	});
	const started = Date.now();
	const { output, error } = await fixture.run(setStepFromItems({ requestOptions }), {
		items,
		continueOnFail: true,
		credentials: fixture.credentials({ clientId, clientSecret: secret }),
	});
	const statuses = emulator.graphRequests().map((request) => request.status);
	return { seconds: (Date.now() - started) / 1000, output, error, statuses };
}

describe.each([['continuous'], ['window']] as const)('a %s budget', (variant) => {
	const budget: GraphBudget = { variant, timeScale: TIME_SCALE };

	it.each([
		['one request per item', {}],
		['Batching', { batching: true }],
	])(
		'%s: 300 items paced to 200 a minute, none failed, almost no 429',
		async (_way, requestOptions) => {
			emulator.setBudget(budget);
			const { seconds, output, error, statuses } = await setSteps(300, requestOptions);
			expect(error).toBeUndefined();
			expect(output).toHaveLength(300);
			expect(output.filter((item) => item.json.error !== undefined)).toEqual([]);
			// The first minute's 200 at once, the other 100 a minute later: the floor is half a minute.
			expect(seconds).toBeGreaterThanOrEqual(MINUTE_MS / 1000 / 2);
			expect(seconds).toBeLessThan((MINUTE_MS / 1000) * 2);
			const stats = emulator.budgetStats();
			expect(stats.admitted).toBe(300);
			expect(stats.tooManyRequests).toBeLessThanOrEqual(Math.floor(0.02 * 300));
			expect(statuses.filter((status) => status === 429)).toHaveLength(stats.tooManyRequests);
		},
	);

	it('another app spending 150 of the tenant a minute: no item fails', async () => {
		emulator.setBudget(budget);
		emulator.startRival({ perMinute: 150 });
		const { output, error } = await setSteps(300);
		expect(error).toBeUndefined();
		expect(output.filter((item) => item.json.error !== undefined)).toEqual([]);
		const stats = emulator.budgetStats();
		expect(stats.rivals.admitted).toBeGreaterThan(0);
		expect(stats.admitted - stats.rivals.admitted).toBe(300);
	});
});

it('an interactive run fails a Retry-After beyond its 60 s at once, saying so', async () => {
	emulator.injectFault({ target: 'graph', kind: 'status', status: 429, retryAfterSeconds: 90 });
	const items = seedFlowItems(emulator, ['B2X_1_LongWait']);
	const started = Date.now();
	const { error } = await fixture.run(setStepFromItems(), { items });
	expect(Date.now() - started).toBeLessThan(3_000);
	expect(error?.description).toMatch(/Graph asked to wait 90 s, beyond the retry limit of 60 s/);
});

// Last: its Retry-After of 90 s holds every later request of the app in this process.
it('an unattended run waits out a Retry-After beyond the interactive limit instead of failing', async () => {
	emulator.injectFault({ target: 'graph', kind: 'status', status: 429, retryAfterSeconds: 90 });
	const [item] = seedFlowItems(emulator, ['B2X_1_LongWait']);
	// An unattended run starts from its trigger's own data, not the spec's items: the flow is a constant here.
	const parameters = {
		...setStepFromItems(),
		userFlow: { __rl: true, mode: 'id', value: item.flow },
		apiConnector: { __rl: true, mode: 'id', value: item.connector },
	};
	let waited = false;
	const { run, error } = await fixture.run(parameters, {
		mode: 'cli',
		// Still waiting after 3 s (the interactive default fails at once): stopped here, as n8n's timeout would.
		stopWhen: new Promise((resolve) => setTimeout(() => resolve((waited = true)), 3_000)),
	});
	expect(waited).toBe(true);
	expect(run.status).toBe('canceled');
	expect(error?.message).not.toMatch(/TooManyRequests/);
	expect(emulator.graphRequests().map((request) => request.status)).toEqual([429]);
});
