import type { IDataObject, INodeProperties } from 'n8n-workflow';

import type { RunParameters } from '../helpers/nodeRun';
import { MAX_BATCH_STEPS, type RetryPolicy } from '../transport';

/** The Retry-After wait a run from the editor accepts by default: a person is watching it. */
const INTERACTIVE_RETRY_WAIT_SECONDS = 60;

/** With Batching, unless Concurrency is set: three batches of 20 on their way, so that one is sent while the others wait for Graph. */
const CONCURRENCY_WITH_BATCHING = 3 * MAX_BATCH_STEPS;

/** Bounds of the Graph client for every operation (retries of 429, 503, 504 and dropped connections). */
export const requestOptions: INodeProperties = {
	displayName: 'Request Options',
	name: 'requestOptions',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [
		{
			displayName: 'Batching',
			name: 'batching',
			type: 'boolean',
			default: false,
			description: `Whether to send the requests of items running at the same time in Graph JSON batches ($batch) of up to ${MAX_BATCH_STEPS}: a twentieth of the round trips, faster for many items. Unless Concurrency is set, ${CONCURRENCY_WITH_BATCHING} items then run at a time.`,
		},
		{
			displayName: 'Concurrency',
			name: 'concurrency',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 8,
			description: `How many items run at the same time (${CONCURRENCY_WITH_BATCHING} with Batching: three batches of ${MAX_BATCH_STEPS}). When Graph throttles (429), every request of the same app registration waits as long as Graph asks, so a higher value never causes more throttling.`,
		},
		{
			displayName: 'Max Retries',
			name: 'maxRetries',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 4,
			description:
				'How often one request is sent again after Graph is unavailable (503, 504) or the connection drops. Throttling (429) is not counted: it is waited out.',
		},
		{
			displayName: 'Max Retry Wait (Seconds)',
			name: 'maxRetryWaitSeconds',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 0,
			description: `Longest total wait of one request for Graph's Retry-After and the back-offs; a longer wait fails the item at once and says so. 0: no limit when the workflow runs unattended (trigger, schedule, webhook), ${INTERACTIVE_RETRY_WAIT_SECONDS} s when you run it from the editor. The pace that keeps to Graph's budget is never counted.`,
		},
		{
			displayName: 'Request Timeout (Seconds)',
			name: 'requestTimeoutSeconds',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 60,
			description:
				'How long to wait for Graph to answer one request before it counts as a dropped connection',
		},
	],
};

type RequestOptionName =
	| 'batching'
	| 'concurrency'
	| 'maxRetries'
	| 'maxRetryWaitSeconds'
	| 'requestTimeoutSeconds';

/** The defaults as the description states them (the lint wants them written there), for the readers below. */
export const REQUEST_OPTION_DEFAULTS = {
	...(Object.fromEntries(
		(requestOptions.options as INodeProperties[]).map(({ name, default: value }) => [name, value]),
	) as { batching: boolean } & Record<Exclude<RequestOptionName, 'batching'>, number>),
	concurrencyWithBatching: CONCURRENCY_WITH_BATCHING,
};

const defaults = REQUEST_OPTION_DEFAULTS;

/** How the node run goes: read from the first item, as n8n reads run-wide options. */
export function readRunOptions(parameters: RunParameters): {
	batching: boolean;
	concurrency: number;
} {
	const batching =
		parameters.get<boolean>('requestOptions.batching', 0, defaults.batching) === true;
	const fallback = batching ? defaults.concurrencyWithBatching : defaults.concurrency;
	const concurrency = Number(parameters.get('requestOptions.concurrency', 0, fallback));
	return { batching, concurrency: Math.max(1, Math.floor(concurrency) || 1) };
}

function seconds(value: unknown, fallbackSeconds: number): number {
	return (typeof value === 'number' && value >= 0 ? value : fallbackSeconds) * 1000;
}

/**
 * The retry bounds of one item; without an item (list search), the defaults. An interactive run (from the
 * editor) bounds the wait by default; an unattended one waits as long as Graph asks.
 */
export function readRetryPolicy(
	parameters: RunParameters | undefined,
	itemIndex: number | undefined,
	interactive: boolean,
): RetryPolicy {
	const options =
		parameters && itemIndex !== undefined
			? parameters.get<IDataObject>('requestOptions', itemIndex, {})
			: {};
	const { maxRetries } = options;
	const maxWaitMs = seconds(options.maxRetryWaitSeconds, defaults.maxRetryWaitSeconds);
	const automaticWaitMs = interactive ? INTERACTIVE_RETRY_WAIT_SECONDS * 1000 : Infinity;
	return {
		maxRetries:
			typeof maxRetries === 'number' && maxRetries >= 0 ? maxRetries : defaults.maxRetries,
		maxTotalWaitMs: maxWaitMs || automaticWaitMs,
		requestTimeoutMs:
			seconds(options.requestTimeoutSeconds, defaults.requestTimeoutSeconds) ||
			defaults.requestTimeoutSeconds * 1000,
	};
}
