import type { IDataObject, IHttpRequestOptions } from 'n8n-workflow';

import type { OutgoingRequest, RawResponse, SendRequest } from './types';

/** Steps in one Graph JSON batch, Graph's maximum. */
export const MAX_BATCH_STEPS = 20;

interface QueuedStep {
	request: OutgoingRequest;
	resolve: (raw: RawResponse) => void;
	reject: (error: unknown) => void;
}

interface BatchAnswer {
	id: string;
	status: number;
	headers?: IDataObject;
	body?: unknown;
}

/**
 * Collects the requests that the node's items send at about the same time and posts them to Graph's JSON
 * batching endpoint, up to 20 a batch. Each request keeps its own status, headers and body, so the client's
 * retry loop treats a step exactly like a direct request (a 429 inside a 200 included).
 */
export class GraphBatcher {
	private queue: QueuedStep[] = [];

	private scheduled = false;

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
			if (steps.length === 1) this.send(steps[0].request).then(steps[0].resolve, steps[0].reject);
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
		try {
			const raw = await this.send({ relativeUrl: '/$batch', options: batchOptions });
			const answers = new Map(
				((raw.body as { responses?: BatchAnswer[] })?.responses ?? []).map((answer) => [
					answer.id,
					answer,
				]),
			);
			steps.forEach(({ resolve }, index) => {
				const answer = answers.get(String(index + 1));
				// A batch Graph refused as a whole (429, 401, 503 ...) is that answer for every step.
				resolve(
					raw.statusCode === 200 && answer
						? { statusCode: answer.status, headers: answer.headers ?? {}, body: answer.body }
						: raw,
				);
			});
		} catch (error) {
			for (const { reject } of steps) reject(error);
		}
	}
}
