import { badRequest, json, readJsonObject, type GraphVersion } from './graph-common';
import {
	isPlainObject,
	redactAuthorization,
	redactSecrets,
	splitTarget,
	type EmulatorResponse,
	type IncomingCall,
	type RecordedRequest,
} from './http';

/** Microsoft: a JSON batch holds at most 20 requests. */
const MAX_BATCH_STEPS = 20;

export interface BatchContext {
	version: GraphVersion;
	/** The request-id of the $batch POST; each step's record carries it as batchId. */
	batchId: string;
	/** Records a step and answers it exactly as the same request sent on its own would be answered. */
	runStep: (step: IncomingCall) => EmulatorResponse;
}

/** One element of "requests", checked; ids compare case-insensitively, as Microsoft documents. */
interface BatchStep {
	id: string;
	method: string;
	url: string;
	/** Lower-case names. */
	headers: Record<string, string>;
	body: unknown;
	/** Ids of earlier steps. */
	dependsOn: string[];
}

interface StepResponse {
	id: string;
	status: number;
	headers: Record<string, string>;
	body?: unknown;
}

/**
 * Answers POST /{version}/$batch: 200 with one response per step, in the order of the requests.
 * Assumed: steps run one after another in array order. Graph may run independent steps in any order
 * and side by side; only dependsOn orders them there.
 */
export function answerBatch(call: IncomingCall, context: BatchContext): EmulatorResponse {
	const steps = parseSteps(readJsonObject(call).requests);
	const succeeded = new Set<string>();
	const responses: StepResponse[] = [];
	for (const step of steps) {
		const response = answerStep(step, succeeded, call, context);
		if (response.status >= 200 && response.status < 300) succeeded.add(step.id.toLowerCase());
		responses.push(response);
	}
	return json(200, { responses });
}

/** succeeded: lower-case ids of the earlier steps that answered 2xx. */
function answerStep(
	step: BatchStep,
	succeeded: ReadonlySet<string>,
	batch: IncomingCall,
	context: BatchContext,
): StepResponse {
	const failedDependency = step.dependsOn.find((id) => !succeeded.has(id.toLowerCase()));
	if (failedDependency !== undefined) {
		return stepError(
			step,
			424,
			'FailedDependency',
			`The request depends on request '${failedDependency}', which failed.`,
		);
	}
	// Assumed: Graph takes only URLs relative to the version root; it refuses an absolute one in that step.
	if (isAbsoluteUrl(step.url)) {
		return stepError(
			step,
			400,
			'BadRequest',
			`The url '${step.url}' must be relative to /${context.version}, such as /identity/b2xUserFlows.`,
		);
	}
	const response = context.runStep(stepCall(step, batch, context));
	return {
		id: step.id,
		status: response.status,
		headers: response.headers ?? {},
		...(response.body === undefined ? {} : { body: response.body }),
	};
}

/** An answer the batch gives a step without executing it: no request-id, so no innerError. */
function stepError(step: BatchStep, status: number, code: string, message: string): StepResponse {
	return {
		id: step.id,
		status,
		headers: { 'Content-Type': 'application/json' },
		body: { error: { code, message } },
	};
}

function isAbsoluteUrl(url: string): boolean {
	return /^[a-z][a-z\d+.-]*:/i.test(url) || url.startsWith('//');
}

/**
 * The step as a request of its own: the batch's token (an Authorization header in the step is replaced),
 * and JSON when it has a body and its headers name no Content-Type.
 */
function stepCall(step: BatchStep, batch: IncomingCall, context: BatchContext): IncomingCall {
	const target = splitTarget(`/${context.version}/${step.url.replace(/^\//, '')}`);
	const headers: Record<string, string> = {
		...step.headers,
		authorization: batch.headers.authorization ?? '',
	};
	if (step.body !== undefined) headers['content-type'] ??= 'application/json';
	const record: RecordedRequest = {
		method: step.method,
		path: target.path,
		rawQuery: target.rawQuery,
		query: target.query,
		headers: redactAuthorization(headers),
		// The router authenticated the batch with this token before running any step.
		hasBearer: true,
		body: redactSecrets(step.body),
		status: 0,
		receivedAt: Date.now(),
		batchId: context.batchId,
	};
	return {
		method: step.method,
		rawPath: target.path,
		rawQuery: target.rawQuery,
		query: target.query,
		headers,
		bodyText: step.body === undefined ? '' : JSON.stringify(step.body),
		origin: batch.origin,
		record,
	};
}

/** Assumed wording for every refusal of the batch as a whole except the size limit, which is Graph's. */
function parseSteps(requests: unknown): BatchStep[] {
	if (!Array.isArray(requests) || requests.length === 0)
		throw badRequest("The batch request body must have a non-empty 'requests' array.");
	if (requests.length > MAX_BATCH_STEPS)
		throw badRequest(`Number of batch request steps exceeds the maximum of ${MAX_BATCH_STEPS}.`);
	const steps: BatchStep[] = [];
	for (const [index, request] of requests.entries()) steps.push(parseStep(request, index, steps));
	return steps;
}

function parseStep(request: unknown, index: number, earlier: readonly BatchStep[]): BatchStep {
	const label = `Batch request ${index + 1}`;
	if (!isPlainObject(request)) throw badRequest(`${label} is not a JSON object.`);
	const id = requiredString(request.id, `${label} needs an 'id' string.`);
	const earlierIds = earlier.map((step) => step.id.toLowerCase());
	if (earlierIds.includes(id.toLowerCase()))
		throw badRequest(`Batch request ids must be unique; '${id}' appears more than once.`);
	return {
		id,
		method: requiredString(
			request.method,
			`Batch request '${id}' needs a 'method' string.`,
		).toUpperCase(),
		url: requiredString(request.url, `Batch request '${id}' needs a 'url' string.`),
		headers: stepHeaders(request.headers, id),
		body: request.body,
		dependsOn: stepDependencies(request.dependsOn, id, earlierIds),
	};
}

function requiredString(value: unknown, message: string): string {
	if (typeof value !== 'string' || value === '') throw badRequest(message);
	return value;
}

function stepHeaders(headers: unknown, id: string): Record<string, string> {
	if (headers === undefined) return {};
	if (!isStringRecord(headers))
		throw badRequest(`The headers of batch request '${id}' must be an object of strings.`);
	return Object.fromEntries(
		Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
	);
}

function isStringRecord(value: unknown): value is Record<string, string> {
	return isPlainObject(value) && Object.values(value).every((field) => typeof field === 'string');
}

/** Assumed: a step may depend only on earlier steps, since the emulator runs them in array order. */
function stepDependencies(dependsOn: unknown, id: string, earlierIds: readonly string[]): string[] {
	if (dependsOn === undefined) return [];
	if (!Array.isArray(dependsOn))
		throw badRequest(`The dependsOn of batch request '${id}' must be an array of ids.`);
	for (const dependency of dependsOn) {
		if (typeof dependency !== 'string' || !earlierIds.includes(dependency.toLowerCase())) {
			throw badRequest(
				`Batch request '${id}' depends on '${String(dependency)}', which is not an earlier request of the batch.`,
			);
		}
	}
	return dependsOn as string[];
}
