// `npm run test:e2e` in a started n8n: the registered types, the credential's Test button through the REST API,
// and an execution stopped by its timeout.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Emulator } from '../../emulator';
import { seedFlowItems, setStepFromItems } from '../../test/support/setStep';
import type { PreparedN8n } from '../prepareN8n';
import { setUpOwner, startN8n, type RunningN8n } from '../realN8n';
import {
	codeNode,
	linearWorkflow,
	PACKAGE_NAME,
	userFlowNode,
	webhookNode,
} from '../workflowNodes';
import { anyFailed, check } from './check';
import { checkRedirectTestButton, type RedirectTrap } from './redirects';

/** The owner set up in the started n8n of the end-to-end run. */
export const E2E_OWNER = { email: 'e2e@example.com', password: 'E2e-only-Passw0rd' };

const STOP_FLOWS = Array.from({ length: 300 }, (_, i) => `B2X_1_Stop${i}`);
const STOP_PATH = 'e2e-stop';

/**
 * Webhook → Code (300 items) → Set Step, with the workflow's own Timeout of 5 s: n8n stops the execution as the
 * editor's Stop button does. With checkStop's latency, all items would take several times that timeout.
 */
async function importStoppedWorkflow(
	emulator: Emulator,
	{ cli }: PreparedN8n,
	work: string,
): Promise<void> {
	const items = seedFlowItems(emulator, STOP_FLOWS);
	const id = 'E2eStopped01';
	const workflow = linearWorkflow(
		id,
		'Stopped by its timeout',
		[
			webhookNode(STOP_PATH, 'onReceived'),
			codeNode(`return ${JSON.stringify(items)}.map((json) => ({ json }));`),
			userFlowNode('Set Step', setStepFromItems()),
		],
		{ executionTimeout: 5 },
	);
	const path = join(work, 'stopped-workflow.json');
	writeFileSync(path, JSON.stringify(workflow));
	await cli(['import:workflow', `--input=${path}`]);
	await cli(['publish:workflow', `--id=${id}`]);
}

/** n8n goes on running a stopped execution's node: the node itself must stop sending. */
async function checkStop(emulator: Emulator, n8n: RunningN8n): Promise<void> {
	emulator.reset();
	seedFlowItems(emulator, STOP_FLOWS);
	emulator.clearRequests();
	emulator.setLatency(500);
	const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
	try {
		await n8n.webhook(STOP_PATH);
		await pause(8_000);
		const atEight = emulator.graphRequests().length;
		await pause(2_000);
		const atTen = emulator.graphRequests().length;
		check(
			'an execution stopped by its timeout sends nothing more to Graph',
			atEight > 0 && atEight < STOP_FLOWS.length && atTen === atEight,
			`${atEight} of ${STOP_FLOWS.length} requests sent by 8 s after the start, ${atTen} by 10 s`,
		);
	} finally {
		emulator.setLatency(0);
	}
}

/** The editor's Test button, the registered types and a stopped execution, in a started n8n. */
export async function checkRunningN8n(
	emulator: Emulator,
	prepared: PreparedN8n,
	work: string,
	trap: RedirectTrap,
): Promise<void> {
	await importStoppedWorkflow(emulator, prepared, work);
	const { credential } = prepared;
	const n8n = await startN8n(prepared.env);
	try {
		const cookie = await setUpOwner(n8n.baseUrl, E2E_OWNER);
		check('owner set up and logged in through the REST API', cookie.includes('='));
		const rest = async (path: string, body?: unknown) =>
			await fetch(`${n8n.baseUrl}${path}`, {
				method: body === undefined ? 'GET' : 'POST',
				headers: { Cookie: cookie, 'Content-Type': 'application/json' },
				body: body === undefined ? undefined : JSON.stringify(body),
			});

		const nodeTypes = (await (await rest('/types/nodes.json')).json()) as Array<{ name: string }>;
		const credentialTypes = (await (await rest('/types/credentials.json')).json()) as Array<{
			name: string;
		}>;
		check(
			`node type registered as ${PACKAGE_NAME}.userFlowApiConnectors (and its AI tool variant)`,
			['userFlowApiConnectors', 'userFlowApiConnectorsTool'].every((name) =>
				nodeTypes.some((type) => type.name === `${PACKAGE_NAME}.${name}`),
			),
		);
		check(
			'credential type microsoftEntraUserFlowsApi registered',
			credentialTypes.some((type) => type.name === 'microsoftEntraUserFlowsApi'),
		);

		emulator.clearRequests();
		const good = (await (
			await rest('/rest/credentials/test', { credentials: credential })
		).json()) as { data: { status: string; message: string } };
		check(
			'credential Test button with the right secret',
			good.data?.status === 'OK',
			good.data?.message,
		);
		const wrongSecret = 'e2e-wrong-secret-value';
		const wrong = (await (
			await rest('/rest/credentials/test', {
				credentials: {
					...credential,
					data: { ...(credential.data as object), clientSecret: wrongSecret },
				},
			})
		).json()) as { data: { status: string; message: string } };
		check(
			'credential Test button with a wrong secret names AADSTS7000215 and hides the secret',
			wrong.data?.status === 'Error' &&
				wrong.data.message.includes('AADSTS7000215') &&
				!wrong.data.message.includes(wrongSecret),
			wrong.data?.message,
		);
		check(
			'the Test button reached the emulator for tokens and Graph',
			emulator.tokenRequests().length >= 2 && emulator.graphRequests().length >= 1,
		);
		await checkRedirectTestButton(rest, emulator, trap);
		await checkStop(emulator, n8n);
	} finally {
		await n8n.stop();
		if (anyFailed()) console.log(n8n.log().slice(-4000));
	}
}
