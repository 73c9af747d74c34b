// Way (c) of `npm run bench`, the floor: a bare Node script in a process of its own that sends the benchmark's
// requests, `concurrency` at a time, with a bearer token it was given; under a budget, at most so many in any
// minute. On a 429 every worker waits out the Retry-After, as this node's budget does. Prints one JSON line:
// { ms, ok, failed, rssKb }.
import { Agent, request } from 'node:https';

export interface BareRun {
	/** Absolute URLs, one request each. */
	urls: string[];
	method: 'GET' | 'PUT';
	body?: string;
	token: string;
	concurrency: number;
	/** One connection per worker, kept open; or a new TLS connection for every request (as n8n's HTTP helper does). */
	keepAlive: boolean;
	/**
	 * At most `perMinute` requests in any `minuteMs`, each minute 2 % longer as the node's (requests reach Graph a
	 * little after they leave); none: as fast as the answers come.
	 */
	pace?: { perMinute: number; minuteMs: number };
}

/** Waits until one more request fits the pace, and counts it. */
function pacer(pace: BareRun['pace']): () => Promise<void> {
	const sent: number[] = [];
	return async () => {
		if (!pace) return;
		const windowMs = pace.minuteMs * 1.02;
		for (;;) {
			const now = Date.now();
			while (sent.length && sent[0] <= now - windowMs) sent.shift();
			if (sent.length < pace.perMinute) break;
			await new Promise((done) => setTimeout(done, sent[0] + windowMs - now));
		}
		sent.push(Date.now());
	};
}

async function main(spec: BareRun): Promise<void> {
	const sharedAgent = new Agent({ keepAlive: true, maxSockets: spec.concurrency });
	const send = (url: string) =>
		new Promise<{ status: number; retryAfter?: number }>((resolve, reject) => {
			const agent = spec.keepAlive ? sharedAgent : new Agent();
			const headers: Record<string, string> = {
				Authorization: `Bearer ${spec.token}`,
				Accept: 'application/json',
			};
			if (spec.body !== undefined) headers['Content-Type'] = 'application/json';
			const req = request(url, { method: spec.method, agent, headers }, (res) => {
				res.resume();
				res.on('end', () =>
					resolve({
						status: res.statusCode ?? 0,
						retryAfter: Number(res.headers['retry-after']) || undefined,
					}),
				);
			});
			req.on('error', reject);
			req.end(spec.body);
		});
	let next = 0;
	let ok = 0;
	let resumeAt = 0;
	const paced = pacer(spec.pace);
	const started = Date.now();
	await Promise.all(
		Array.from({ length: spec.concurrency }, async () => {
			while (next < spec.urls.length) {
				const url = spec.urls[next++];
				for (;;) {
					const wait = resumeAt - Date.now();
					if (wait > 0) await new Promise((done) => setTimeout(done, wait));
					await paced();
					if (resumeAt > Date.now()) continue;
					const { status, retryAfter } = await send(url);
					if (status === 429) {
						resumeAt = Math.max(resumeAt, Date.now() + (retryAfter ?? 1) * 1000);
						continue;
					}
					if (status < 300) ok++;
					break;
				}
			}
		}),
	);
	const ms = Date.now() - started;
	sharedAgent.destroy();
	console.log(
		JSON.stringify({
			ms,
			ok,
			failed: spec.urls.length - ok,
			rssKb: process.resourceUsage().maxRSS,
		}),
	);
}

let input = '';
process.stdin.on('data', (chunk: Buffer) => (input += chunk));
process.stdin.on('end', () => {
	main(JSON.parse(input) as BareRun).catch((error) => {
		console.error(error);
		process.exit(1);
	});
});
