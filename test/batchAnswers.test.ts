// Request Options > Batching against a Graph whose $batch answers are wrong: each item gets its own answer or an
// error saying what was wrong with the batch answer, never another item's data and never the batch's own body
// as a success. A $batch refused as a whole (400, 404, 405) is sent again as direct requests.
import type { INodeExecutionData } from 'n8n-workflow';

import { SEEDED_CONNECTORS } from '../emulator/state';
import { type BatchStep, type HostileAnswer, useHostileGraph } from './support/hostileGraph';
import { setStepFromItems } from './support/setStep';
import { useEmulator } from './support/useEmulator';

const { run, credentials } = useEmulator();
const graph = useHostileGraph();

const flows = ['B2X_1_BatchA', 'B2X_1_BatchB', 'B2X_1_BatchC'];
const items = flows.map((flow, index) => ({ flow, connector: SEEDED_CONNECTORS[index % 2].id }));

async function runItems(options: { checkCurrentStep?: boolean } = {}) {
	const { output, error } = await run(
		setStepFromItems({ requestOptions: { batching: true }, ...options }),
		{ items, continueOnFail: true, credentials: credentials({ graphBaseUrl: graph.url }) },
	);
	expect(error).toBeUndefined();
	expect(output).toHaveLength(items.length);
	return output;
}

/** Each item as a word: changed, or its error's code and what it says. */
const outcome = (item: INodeExecutionData) =>
	item.json.error === undefined
		? `changed ${String(item.json.changed)}`
		: `${String(item.json.code ?? item.json.httpCode)}: ${String(item.json.error)} ${String(item.json.description)}`;

const INCOMPLETE =
	/^BatchAnswerIncomplete: .*The \$batch answer was incomplete: Graph answered 200, but /;
const MALFORMED =
	/^BatchAnswerMalformed: .*The \$batch answer was malformed: Graph answered 200, but /;

const answers = (...entries: unknown[]): HostileAnswer => ({
	status: 200,
	body: { responses: entries },
});
const ok = (id: unknown) => ({ id, status: 204, body: null });

const batches = () => graph.seen.filter((request) => request.url.endsWith('/$batch'));

describe('a 200 $batch answer without exactly one answer for a step', () => {
	it('an answer missing: that item fails, saying so; the others get their own', async () => {
		graph.batch = () => answers(ok('1'), ok('3'));
		const output = await runItems();
		expect(outcome(output[0])).toBe('changed true');
		expect(outcome(output[1])).toMatch(INCOMPLETE);
		expect(outcome(output[1])).toContain('no answer with the id "2" of this request');
		expect(outcome(output[2])).toBe('changed true');
		expect(batches()).toHaveLength(1);
	});

	it('a duplicated id: ambiguous, that item fails and never takes the other answer', async () => {
		// Set Step reads each step first: the answers to the GETs carry a connector each.
		const connectorOf = (index: number) => ({
			postAttributeCollection: { id: SEEDED_CONNECTORS[index % 2].id },
		});
		graph.batch = (steps: BatchStep[]) =>
			steps[0].method === 'GET'
				? answers(
						{ id: '1', status: 200, body: connectorOf(0) },
						{ id: '1', status: 200, body: connectorOf(1) },
						{ id: '3', status: 200, body: { postAttributeCollection: null } },
					)
				: answers(...steps.map(({ id }) => ok(id)));
		const output = await runItems({ checkCurrentStep: true });
		expect(outcome(output[0])).toMatch(INCOMPLETE);
		expect(outcome(output[0])).toContain('2 answers with the id "1"');
		expect(outcome(output[1])).toMatch(INCOMPLETE);
		expect(outcome(output[2])).toBe('changed true');
		expect(output[2].json.previousApiConnectorId).toBeNull();
		// Only the third item's step was written.
		expect(batches()).toHaveLength(1);
		expect(graph.seen.filter((request) => request.method === 'PUT')).toHaveLength(1);
	});

	it('responses empty: every item fails, saying the answer was incomplete', async () => {
		graph.batch = () => answers();
		const output = await runItems();
		for (const item of output) {
			expect(outcome(item)).toMatch(INCOMPLETE);
			expect(outcome(item)).toContain('(0 entries for 3 requests)');
		}
	});

	it('responses absent: every item fails, saying the answer had no responses list', async () => {
		graph.batch = () => ({ status: 200, body: { value: [] } });
		const output = await runItems();
		for (const item of output) {
			expect(outcome(item)).toMatch(MALFORMED);
			expect(outcome(item)).toContain('its body has no responses list');
		}
	});

	it('ids as numbers: the number 2 is step "2", so each item gets its own answer', async () => {
		graph.batch = () =>
			answers(
				ok(3),
				{ id: 2, status: 404, body: { error: { code: 'NotFound', message: 'gone' } } },
				ok(1),
			);
		const output = await runItems();
		expect(output.map((item) => item.json.error ?? item.json.changed)).toEqual([
			true,
			'Microsoft Graph error NotFound: gone',
			true,
		]);
	});

	it('extra ids: answers for no step are ignored; the step left without one fails', async () => {
		graph.batch = () => answers(ok('1'), ok('2'), ok('4'), ok('5'));
		const output = await runItems();
		expect(output.slice(0, 2).map(outcome)).toEqual(['changed true', 'changed true']);
		expect(outcome(output[2])).toMatch(INCOMPLETE);
		expect(outcome(output[2])).toContain(
			'no answer with the id "3" of this request (4 entries for 3 requests)',
		);
	});

	it('a 200 in HTML: every item fails, saying the answer was not JSON', async () => {
		graph.batch = () => ({
			status: 200,
			headers: { 'Content-Type': 'text/html' },
			body: '<html><body>Sign in to the gateway</body></html>',
		});
		const output = await runItems();
		for (const item of output) {
			expect(outcome(item)).toMatch(MALFORMED);
			expect(outcome(item)).toContain('its body is not JSON (text/html, 48 characters)');
		}
	});
});

describe('a malformed 200 $batch answer', () => {
	it('responses not a list: every item fails, saying so (not "… is not a function")', async () => {
		graph.batch = () => ({ status: 200, body: { responses: { 1: ok('1') } } });
		const output = await runItems();
		for (const item of output) {
			expect(outcome(item)).toMatch(MALFORMED);
			expect(outcome(item)).toContain('its responses is not a list (object)');
			expect(outcome(item)).not.toContain('is not a function');
		}
	});

	it('null entries: the items whose answers came get them; the others fail naming the entries', async () => {
		graph.batch = () => answers(null, ok('2'), null);
		const output = await runItems();
		expect(outcome(output[1])).toBe('changed true');
		for (const item of [output[0], output[2]]) {
			expect(outcome(item)).toMatch(INCOMPLETE);
			expect(outcome(item)).toContain('2 of its 3 entries were not answers');
			expect(outcome(item)).not.toContain('Cannot read properties');
		}
	});

	it('an answer without a valid status: that item fails, saying so', async () => {
		graph.batch = () => answers(ok('1'), { id: '2', body: {} }, ok('3'));
		const output = await runItems();
		expect(outcome(output[1])).toMatch(MALFORMED);
		expect(outcome(output[1])).toContain('its answer with the id "2" has no valid status');
		expect([outcome(output[0]), outcome(output[2])]).toEqual(['changed true', 'changed true']);
	});
});

describe.each([400, 404, 405])('$batch refused as a whole with %s', (status) => {
	it('the items go as direct requests, and the rest of the run too; every item succeeds', async () => {
		graph.batch = () => ({
			status,
			body: { error: { code: 'BadRequest', message: 'this gateway does not serve $batch' } },
		});
		graph.direct = (request) =>
			request.method === 'GET'
				? { status: 200, body: { postAttributeCollection: null } }
				: { status: 204 };
		const output = await runItems({ checkCurrentStep: true });
		expect(output.map(outcome)).toEqual(['changed true', 'changed true', 'changed true']);
		// One $batch (the GETs), refused; then the GETs directly, and the PUTs directly without trying $batch again.
		expect(graph.seen[0].url).toBe('/v1.0/$batch');
		expect(
			graph.seen
				.slice(1)
				.map((request) => request.method)
				.sort(),
		).toEqual(['GET', 'GET', 'GET', 'PUT', 'PUT', 'PUT']);
		expect(batches()).toHaveLength(1);
	});
});

describe('a $batch refused with a status the client handles', () => {
	it('503 then an honest answer: each step retried like a direct request (as before)', async () => {
		let calls = 0;
		graph.batch = (steps) =>
			++calls === 1
				? { status: 503, headers: { 'Retry-After': '0' }, body: { error: { code: 'Busy' } } }
				: answers(...steps.map(({ id }) => ok(id)));
		const output = await runItems();
		expect(output.map(outcome)).toEqual(['changed true', 'changed true', 'changed true']);
		expect(batches()).toHaveLength(2);
	});
});
