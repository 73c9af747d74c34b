// `npm run test:e2e` in a started n8n: examples/configuration-nightly-drift-approval.json published with a
// schedule of a few seconds. A converged tenant gets runs without a write; drift seeded in the emulator brings a
// run to the Wait node; its approval link (the resume URL the workflow records) applies the plan and the tenant
// converges; the next run finds nothing to change; a run that planned before the approval is refused as stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Emulator } from '../../emulator';
import { SEEDED_CONNECTORS } from '../../emulator/state';
import type { PreparedN8n } from '../prepareN8n';
import { repository, startN8n, type RunningN8n } from '../realN8n';
import { check } from './check';

const EXAMPLE = 'configuration-nightly-drift-approval.json';
const SCHEDULE_SECONDS = 3;
const FLOW_ID = 'B2X_1_PartnerSignUp';

interface ExecutionSummary {
	id: string;
	status: string;
	startedAt?: string;
	stoppedAt?: string;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The example with its nightly schedule replaced by one of a few seconds, imported and published. */
async function publishDriftWorkflow({ cli }: PreparedN8n, work: string): Promise<string> {
	const workflow = JSON.parse(readFileSync(join(repository, 'examples', EXAMPLE), 'utf8')) as {
		id: string;
		nodes: Array<{ type: string; parameters: Record<string, unknown> }>;
	};
	const trigger = workflow.nodes.find((node) => node.type === 'n8n-nodes-base.scheduleTrigger')!;
	trigger.parameters = {
		rule: { interval: [{ field: 'seconds', secondsInterval: SCHEDULE_SECONDS }] },
	};
	const path = join(work, 'drift-workflow.json');
	writeFileSync(path, JSON.stringify(workflow));
	await cli(['import:workflow', `--input=${path}`]);
	await cli(['publish:workflow', `--id=${workflow.id}`]);
	return workflow.id;
}

/** The tenant as the example's desired document has it: connector 1 before creating the user. */
function converge(emulator: Emulator): void {
	emulator.reset();
	const tenant = emulator.state.requireTenant(emulator.defaults.tenantId);
	tenant.addUserFlow({
		id: FLOW_ID,
		kind: 'b2x',
		apiConnectors: { postAttributeCollection: SEEDED_CONNECTORS[0].id },
	});
}

const writes = (emulator: Emulator, from = 0) =>
	emulator
		.graphRequests()
		.slice(from)
		.filter((request) => request.method !== 'GET');

/** Logs in as an owner already set up on this user folder; returns the session cookie. */
export async function logIn(
	n8n: RunningN8n,
	owner: { email: string; password: string },
): Promise<string> {
	const response = await fetch(`${n8n.baseUrl}/rest/login`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ emailOrLdapLoginId: owner.email, password: owner.password }),
	});
	if (!response.ok) throw new Error(`login answered HTTP ${response.status}`);
	return (response.headers.get('set-cookie') ?? '').split(';')[0];
}

/** Polls until `find` returns something, or fails after `seconds`. */
async function waitFor<T>(what: string, seconds: number, find: () => Promise<T | undefined>) {
	const deadline = Date.now() + seconds * 1000;
	for (;;) {
		const found = await find();
		if (found !== undefined) return found;
		if (Date.now() > deadline) throw new Error(`${what}: not within ${seconds} s`);
		await pause(500);
	}
}

/** `signIn` gives the session cookie of the n8n started on the prepared user folder (its owner set up or logged in). */
export async function checkConfigurationDrift(
	emulator: Emulator,
	prepared: PreparedN8n,
	work: string,
	signIn: (n8n: RunningN8n) => Promise<string>,
): Promise<void> {
	converge(emulator);
	const workflowId = await publishDriftWorkflow(prepared, work);
	const n8n = await startN8n(prepared.env);
	try {
		const cookie = await signIn(n8n);
		const rest = async (path: string) => {
			const response = await fetch(`${n8n.baseUrl}${path}`, { headers: { Cookie: cookie } });
			if (!response.ok) throw new Error(`GET ${path} answered HTTP ${response.status}`);
			return await response.text();
		};
		const executions = async (): Promise<ExecutionSummary[]> => {
			const filter = encodeURIComponent(JSON.stringify({ workflowId }));
			const body = JSON.parse(await rest(`/rest/executions?filter=${filter}&limit=100`)) as {
				data: { results: ExecutionSummary[] };
			};
			return body.data.results.sort((a, b) => Number(a.id) - Number(b.id));
		};
		const finished = async (after: number) =>
			(await executions()).filter(
				(execution) => Number(execution.id) > after && execution.status === 'success',
			);

		// 1. Converged: scheduled runs plan, find nothing, and write nothing.
		const quiet = await waitFor('two scheduled runs on the converged tenant', 30, async () => {
			const done = await finished(0);
			return done.length >= 2 ? done : undefined;
		});
		check(
			'drift check: scheduled runs on a converged tenant end at the IF and send no write',
			writes(emulator).length === 0,
			`${quiet.length} runs, ${writes(emulator).length} writes`,
		);

		// 2. Drift: the step is turned off and connector 2 points elsewhere, behind the workflow's back.
		const tenant = emulator.state.requireTenant(emulator.defaults.tenantId);
		const lastQuiet = Number(quiet.at(-1)!.id);
		tenant.userFlow('b2x', FLOW_ID)!.apiConnectors = {};
		tenant.connector(SEEDED_CONNECTORS[1].id)!.targetUrl = 'https://drift.example/api';
		const waiting = await waitFor('two runs waiting for approval', 30, async () => {
			const found = (await executions()).filter(
				(execution) => Number(execution.id) > lastQuiet && execution.status === 'waiting',
			);
			return found.length >= 2 ? found : undefined;
		});
		check(
			'drift check: drift seeded in the tenant brings the scheduled runs to the Wait node, nothing written',
			writes(emulator).length === 0,
			`${waiting.length} runs waiting`,
		);

		// 3. The approver opens the approval link of the first waiting run: Apply makes the plan.
		const [approved, stale] = waiting;
		const approvalUrl = async (execution: ExecutionSummary) => {
			const data = await rest(`/rest/executions/${execution.id}`);
			const url = /https?:\/\/[^"\\]+\/webhook-waiting\/[^"\\]+/.exec(data)?.[0];
			if (!url) throw new Error(`no approval URL in execution ${execution.id}`);
			return url;
		};
		const approve = async (execution: ExecutionSummary) => {
			const response = await fetch(await approvalUrl(execution));
			await response.body?.cancel();
			return await waitFor(`execution ${execution.id} to end`, 30, async () => {
				const now = (await executions()).find((e) => e.id === execution.id);
				return now && now.status !== 'waiting' && now.status !== 'running' ? now : undefined;
			});
		};
		const before = emulator.graphRequests().length;
		const result = await approve(approved);
		const applied = writes(emulator, before).map((request) => `${request.method} ${request.path}`);
		check(
			'drift check: the approval link resumes the run, Apply writes the difference and the tenant converges',
			result.status === 'success' &&
				tenant.userFlow('b2x', FLOW_ID)?.apiConnectors.postAttributeCollection ===
					SEEDED_CONNECTORS[0].id &&
				tenant.connector(SEEDED_CONNECTORS[1].id)?.targetUrl === SEEDED_CONNECTORS[1].targetUrl &&
				applied.length === 2,
			`${result.status}; ${applied.join(', ')}`,
		);

		// 4. The next scheduled run finds the tenant as the document wants it.
		const convergedAt = emulator.graphRequests().length;
		const lastId = Math.max(...(await executions()).map((execution) => Number(execution.id)));
		const next = await waitFor('a scheduled run after the approval', 30, async () => {
			const done = await finished(lastId);
			return done.length ? done[0] : undefined;
		});
		check(
			'drift check: the next scheduled run finds no changes and sends no write',
			writes(emulator, convergedAt).length === 0,
			`execution ${next.id}: ${next.status}`,
		);

		// 5. A run that planned before the approval: the tenant changed since, so its Apply refuses.
		const staleBefore = emulator.graphRequests().length;
		const refused = await approve(stale);
		const staleData = await rest(`/rest/executions/${stale.id}`);
		check(
			'drift check: a plan made before the tenant changed is refused as stale when approved, nothing written',
			refused.status === 'error' &&
				staleData.includes('Stale plan: the tenant changed since the plan was made') &&
				writes(emulator, staleBefore).length === 0,
			`execution ${stale.id}: ${refused.status}`,
		);
	} finally {
		await n8n.stop();
	}
}
