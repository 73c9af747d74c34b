// `npm run bench:configuration`: Configuration > Plan over 50 user flows and 20 API connectors (requests and
// time), and Apply of 100 and of 300 changes against Graph's documented budget (200 a minute per app + tenant)
// run ten times faster than real time, in the emulator and in the node's own pace, with 20 ms on every Graph
// round trip (as the benchmark's scenario L). In-process n8n engine (n8n-core's WorkflowExecute), Request
// Options at their defaults (Concurrency 8). Prints one line per figure.
import { runTrustingEmulator } from '../emulator/trust';

const CONNECTORS = 20;
const TIME_SCALE = 10;
const LATENCY_MS = 20;

async function main() {
	const { GRAPH_MINUTE_VARIABLE } = await import('../nodes/UserFlowApiConnectors/transport');
	process.env[GRAPH_MINUTE_VARIABLE] = String(60_000 / TIME_SCALE);
	await import('../test/support/env');
	const { startEmulator } = await import('../emulator');
	const { runNode } = await import('../test/support/runWorkflow');
	const { secretCredential } = await import('../test/support/credentials');

	const emulator = await startEmulator({ latencyMs: LATENCY_MS });
	const credentials = secretCredential(emulator);

	/** A tenant of `flows` flows with every step off and 20 more connectors; the document links both steps. */
	const scenario = (flows: number) => {
		emulator.reset();
		const tenant = emulator.state.requireTenant(emulator.defaults.tenantId);
		const names = Array.from(
			{ length: CONNECTORS },
			(_, i) => `Bench API ${String(i).padStart(2, '0')}`,
		);
		for (const displayName of names) {
			tenant.addConnector({
				displayName,
				targetUrl: `https://api.contoso.com/${encodeURIComponent(displayName)}`,
				authentication: { type: 'basic', username: 'bench', password: 'bench-only-password' },
			});
		}
		const flowIds = Array.from(
			{ length: flows },
			(_, i) => `B2X_1_Bench${String(i).padStart(3, '0')}`,
		);
		for (const id of flowIds) tenant.addUserFlow({ id, kind: 'b2x' });
		const connectors = [...tenant.connectors.values()];
		const document = {
			version: 1,
			flowKind: 'b2x',
			apiConnectors: connectors.map(({ displayName, targetUrl, authentication }) => ({
				displayName,
				targetUrl,
				authentication: {
					type: 'basic',
					username: authentication.type === 'basic' ? authentication.username : '',
				},
			})),
			userFlows: flowIds.map((id, i) => ({
				id,
				apiConnectors: {
					postFederationSignup: names[i % CONNECTORS],
					postAttributeCollection: names[(i + 1) % CONNECTORS],
				},
			})),
		};
		const run = async (operation: string, extra: object = {}) => {
			emulator.clearRequests();
			const started = Date.now();
			const result = await runNode({
				parameters: {
					resource: 'configuration',
					operation,
					document: JSON.stringify(document),
					...extra,
				},
				credentials,
				mode: 'trigger',
			});
			if (result.error) throw result.error;
			return {
				json: result.output[0].json,
				ms: Date.now() - started,
				requests: emulator.graphRequests().length,
			};
		};
		return { connectors: connectors.length, run };
	};

	try {
		// A first run takes the token, so the figures below are Graph's requests only.
		const small = scenario(50);
		await small.run('plan');
		const plan = await small.run('plan');
		console.log(
			`plan: 50 flows, ${small.connectors} connectors: ${String(plan.json.requests)} requests (Graph received ${plan.requests}), ${plan.ms} ms, ${String((plan.json.summary as { total?: number }).total)} changes`,
		);
		emulator.setBudget({ variant: 'continuous', timeScale: TIME_SCALE });
		for (const flows of [50, 150]) {
			// Each scenario starts on a fresh minute of the budget, in Graph and in the node's pace.
			await new Promise((resolve) => setTimeout(resolve, (1.1 * 60_000) / TIME_SCALE));
			const { run } = scenario(flows);
			emulator.setBudget({ variant: 'continuous', timeScale: TIME_SCALE });
			const apply = await run('apply', { planAndApply: true });
			const throttled = emulator.budgetStats().tooManyRequests;
			const again = await run('apply', { planAndApply: true });
			console.log(
				`apply: ${String(apply.json.writes)} changes, ${apply.requests} requests, ${throttled} answered 429, ${apply.ms} ms with Graph's minute at ${60_000 / TIME_SCALE} ms; again: ${String(again.json.writes)} writes, ${again.requests} requests`,
			);
		}
	} finally {
		await emulator.close();
	}
}

runTrustingEmulator(main);
