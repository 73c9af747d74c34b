import type { IDataObject, IHttpRequestOptions } from 'n8n-workflow';

import { BATCH_ANSWER_ADVICE, BatchAnswerError } from './batchErrors';
import { headerMap } from './retries';
import type { OutgoingRequest, RawResponse, SendRequest } from './types';

/** Steps in one Graph JSON batch, Graph's maximum. */
export const MAX_BATCH_STEPS = 20;

interface QueuedStep {
	request: OutgoingRequest;
	resolve: (raw: RawResponse) => void;
	reject: (error: unknown) => void;
}

/**
 * Collects the requests that the node's items send at about the same time and posts them to Graph's JSON
 * batching endpoint, up to 20 a batch. Each request keeps its own status, headers and body, so the client's
 * retry loop treats a step exactly like a direct request (a 429 inside a 200 included).
 *
 * What the batch's answer means for each step:
 * - 2xx: each step takes the one entry of `responses` with its id ("1", or the number 1), or fails with a
 *   BatchAnswerError saying the answer was incomplete (no entry, or several, with its id) or malformed (a body
 *   that is not JSON, no `responses` list, an entry without a valid status). Never another step's answer, never
 *   the batch's own body as a success.
 * - 400, 404 or 405: $batch itself was refused (a gateway or proxy that does not serve it) and no step ran. The
 *   steps are sent as direct requests, and every later request of this node run goes directly too.
 * - any other status (429, 401, 503 ...): that answer is every step's, so the client waits, fetches a fresh
 *   token or retries as for a direct request.
 */
export class GraphBatcher {
	private queue: QueuedStep[] = [];

	private scheduled = false;

	/** Graph (or a gateway before it) refused $batch itself in this run: every request then goes directly. */
	private refused = false;

	constructor(
		private readonly send: SendRequest,
		private readonly graphBaseUrl: string,
	) {}

	readonly sendStep: SendRequest = async (request) =>
		await new Promise((resolve, reject) => {
			this.queue.push({ request, resolve, reject });
			if (this.queue.length >= MAX_BATCH_STEPS) this.flush();
			else if (!this.scheduled) {
				this.scheduled = true;
				// Whatever the other items queue in this turn of the event loop goes into the same batch.
				setImmediate(() => {
					this.scheduled = false;
					this.flush();
				});
			}
		});

	private flush(): void {
		while (this.queue.length) {
			const steps = this.queue.splice(0, MAX_BATCH_STEPS);
			// A request alone in its turn gains nothing from a batch: it goes as it is.
			if (steps.length === 1 || this.refused)
				for (const step of steps) this.send(step.request).then(step.resolve, step.reject);
			else void this.post(steps);
		}
	}

	private async post(steps: QueuedStep[]): Promise<void> {
		const requests = steps.map(({ request: { relativeUrl, options } }, index) => {
			const body =
				typeof options.body === 'string' ? (JSON.parse(options.body) as IDataObject) : options.body;
			return {
				id: String(index + 1),
				method: options.method,
				url: relativeUrl,
				headers: options.headers,
				...(body === undefined ? {} : { body }),
			};
		});
		const batchOptions: IHttpRequestOptions = {
			method: 'POST',
			url: `${this.graphBaseUrl}/$batch`,
			headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
			body: { requests },
			json: true,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			// Every step has its timeout; the batch waits as long as its slowest-allowed step.
			timeout: Math.max(...steps.map(({ request }) => request.options.timeout ?? 0)),
			// Every step comes from this node run, so they share the execution's cancel signal.
			abortSignal: steps[0].request.options.abortSignal,
		};
		let raw: RawResponse;
		try {
			raw = await this.send({ relativeUrl: '/$batch', options: batchOptions });
		} catch (error) {
			for (const { reject } of steps) reject(error);
			return;
		}
		if (BATCH_REFUSED_STATUS.has(raw.statusCode)) {
			// Refused as a whole: nothing in it ran. The steps go as direct requests, and so does the rest of the run.
			this.refused = true;
			for (const step of steps) this.send(step.request).then(step.resolve, step.reject);
			return;
		}
		if (raw.statusCode < 200 || raw.statusCode >= 300) {
			// A batch Graph refused as a whole (429, 401, 503 ...) is that answer for every step, so the client
			// waits, fetches a fresh token or retries as for a direct request.
			for (const { resolve } of steps) resolve(raw);
			return;
		}
		const answers = readBatchAnswer(raw, steps.length);
		steps.forEach(({ resolve, reject }, index) => {
			const answer = answers[index];
			if (answer instanceof BatchAnswerError) reject(answer);
			else resolve(answer);
		});
	}
}

/**
 * A gateway or proxy that does not serve POST /$batch: 400 (Graph's own word for a batch it cannot take as a
 * whole), 404 or 405. None of the steps ran, so they are sent again as direct requests.
 */
const BATCH_REFUSED_STATUS = new Set([400, 404, 405]);

const isObject = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The step number an answer claims. Graph writes ids as strings ("1"); a JSON number that is the same whole
 * number (1) names the same step, as a gateway that re-serialises the JSON might write it. Anything else names
 * no step.
 */
function answerId(entry: Record<string, unknown>): string | undefined {
	if (typeof entry.id === 'string') return entry.id;
	if (typeof entry.id === 'number' && Number.isInteger(entry.id)) return String(entry.id);
	return undefined;
}

/**
 * Each step's own answer in a 2xx $batch answer, or why it has none. A step gets an answer only from exactly
 * one entry with its id and a valid status; answers with ids of no step are ignored; an entry that is not an
 * answer (null, no id) is named in the error of every step left without one. Never another step's answer,
 * never the batch's own body.
 */
function readBatchAnswer(raw: RawResponse, count: number): Array<RawResponse | BatchAnswerError> {
	const malformed = (why: string) =>
		new BatchAnswerError(
			'BatchAnswerMalformed',
			`Graph answered ${raw.statusCode}, but ${why}, so this request got no answer of its own. ${BATCH_ANSWER_ADVICE}`,
		);
	const everyStep = (error: BatchAnswerError) => Array.from({ length: count }, () => error);
	if (!isObject(raw.body)) {
		// The server's words, bounded (the client's error scrubs the whole message too).
		const contentType = (headerMap(raw.headers)['content-type'] ?? 'no Content-Type').slice(0, 100);
		const what =
			typeof raw.body === 'string'
				? raw.body
					? `its body is not JSON (${contentType}, ${raw.body.length} characters)`
					: 'its body is empty'
				: `its body is not a JSON object (${raw.body === null ? 'null' : Array.isArray(raw.body) ? 'a list' : typeof raw.body})`;
		return everyStep(malformed(what));
	}
	const { responses } = raw.body;
	if (!Array.isArray(responses)) {
		return everyStep(
			malformed(
				responses === undefined
					? 'its body has no responses list'
					: `its responses is not a list (${responses === null ? 'null' : typeof responses})`,
			),
		);
	}
	const byId = new Map<string, Array<Record<string, unknown>>>();
	let notAnswers = 0;
	for (const entry of responses as unknown[]) {
		const id = isObject(entry) ? answerId(entry) : undefined;
		if (id === undefined) notAnswers++;
		else byId.set(id, [...(byId.get(id) ?? []), entry as Record<string, unknown>]);
	}
	const notAnswersNote = notAnswers
		? ` ${notAnswers} of its ${responses.length} entries were not answers (null, not an object, or without an id).`
		: '';
	return Array.from({ length: count }, (_, index) => {
		const id = String(index + 1);
		const found = byId.get(id) ?? [];
		if (found.length !== 1) {
			const what = found.length
				? `it held ${found.length} answers with the id "${id}" of this request, and which one is its own is unknown`
				: `it held no answer with the id "${id}" of this request (${responses.length} entries for ${count} requests)`;
			return new BatchAnswerError(
				'BatchAnswerIncomplete',
				`Graph answered ${raw.statusCode}, but ${what}.${notAnswersNote} ${BATCH_ANSWER_ADVICE}`,
			);
		}
		const [answer] = found;
		const { status } = answer;
		if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
			return malformed(`its answer with the id "${id}" has no valid status`);
		}
		return {
			statusCode: status,
			headers: isObject(answer.headers) ? answer.headers : {},
			body: answer.body,
		};
	});
}
