import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
} from 'n8n-workflow';

import { send, type RawResponse } from './connections';
import type { GraphConnection } from './index';

/** Steps in one Graph JSON batch, Graph's maximum. */
export const MAX_BATCH_STEPS = 20;

/**
 * Collects the requests that the node's items send at about the same time and posts them to Graph's
 * JSON batching endpoint, up to 20 a batch. Each request keeps its own status, headers and body, so the
 * retry loop of graphRequest treats a step exactly like a direct request (a 429 inside a 200 included).
 */
class GraphBatcher {
	private queue: Array<{
		options: IHttpRequestOptions;
		resolve: (raw: RawResponse) => void;
		reject: (error: unknown) => void;
	}> = [];

	private scheduled = false;

	constructor(
		private readonly context: IExecuteFunctions,
		private readonly connection: GraphConnection,
	) {}

	async send(options: IHttpRequestOptions): Promise<RawResponse> {
		return await new Promise((resolve, reject) => {
			this.queue.push({ options, resolve, reject });
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
	}

	private flush(): void {
		while (this.queue.length) {
			const steps = this.queue.splice(0, MAX_BATCH_STEPS);
			// A request alone in its turn gains nothing from a batch: it goes as it is.
			if (steps.length === 1)
				send(this.context, this.connection, steps[0].options).then(
					steps[0].resolve,
					steps[0].reject,
				);
			else void this.post(steps);
		}
	}

	private async post(steps: GraphBatcher['queue']): Promise<void> {
		const requests = steps.map(({ options }, index) => {
			const body =
				typeof options.body === 'string' ? (JSON.parse(options.body) as IDataObject) : options.body;
			return {
				id: String(index + 1),
				method: options.method,
				url: options.url.slice(this.connection.endpoints.graphBaseUrl.length),
				headers: options.headers,
				...(body === undefined ? {} : { body }),
			};
		});
		try {
			const batchOptions: IHttpRequestOptions = {
				method: 'POST',
				url: `${this.connection.endpoints.graphBaseUrl}/$batch`,
				headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
				body: { requests },
				json: true,
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				// graphRequest gives every request its timeout; the batch waits as long as its slowest-allowed step.
				timeout: Math.max(...steps.map(({ options }) => options.timeout ?? 0)),
				// Every step comes from this node run, so they share the execution's cancel signal.
				abortSignal: steps[0].options.abortSignal,
			};
			const raw = await send(this.context, this.connection, batchOptions);
			const answers = new Map(
				(
					(
						raw.body as {
							responses?: Array<{
								id: string;
								status: number;
								headers?: IDataObject;
								body?: unknown;
							}>;
						}
					)?.responses ?? []
				).map((answer) => [answer.id, answer]),
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

/** Whether Request Options > Batching is on for this node run; list search never batches. */
export function batchingOn(context: IExecuteFunctions | ILoadOptionsFunctions): boolean {
	return (
		'getInputData' in context &&
		context.getNodeParameter('requestOptions.batching', 0, false) === true
	);
}

/** The node run's batcher, or null when Batching is off (decided once per run). */
const batchers = new WeakMap<object, GraphBatcher | null>();

function batcherOf(
	context: IExecuteFunctions | ILoadOptionsFunctions,
	connection: GraphConnection,
): GraphBatcher | null {
	let batcher = batchers.get(context);
	if (batcher === undefined) {
		batchers.set(
			context,
			(batcher = batchingOn(context)
				? new GraphBatcher(context as IExecuteFunctions, connection)
				: null),
		);
	}
	return batcher;
}

/** One attempt: in a JSON batch when the node's Request Options > Batching is on, else on its own. */
export async function sendAttempt(
	context: IExecuteFunctions | ILoadOptionsFunctions,
	connection: GraphConnection,
	options: IHttpRequestOptions,
): Promise<RawResponse> {
	const batcher = batcherOf(context, connection);
	return await (batcher ? batcher.send(options) : send(context, connection, options));
}
