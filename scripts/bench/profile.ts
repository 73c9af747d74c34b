// The node's own CPU per item, from a V8 profile of an n8n execution, and the time to require its modules.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { repository, run } from '../realN8n';
import { PACKAGE_NAME } from '../workflowNodes';

export interface NodeCpu {
	nodeMs: number;
	httpMs: number;
	expressionMs: number;
}

/**
 * CPU of the node itself per item, from a V8 profile of the n8n process: samples with a frame of this package on
 * the stack (its code and the n8n helpers it calls). Split out: n8n's expression engine evaluating the item's
 * `{{ $json.flow }}` (the user's expression), Node's HTTPS client (node:https, http, net, tls, streams) that the
 * node's transport drives, and module loading. Work in callbacks of their own (TLS reads, for one) has no frame
 * of the package on its stack and is in the process CPU of the table instead.
 */
export function nodeCpuFromProfile(profileDir: string, items: number): NodeCpu {
	const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'))!;
	const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as {
		nodes: Array<{ id: number; callFrame: { url: string }; children?: number[] }>;
		samples: number[];
		timeDeltas: number[];
	};
	const byId = new Map(profile.nodes.map((node) => [node.id, node]));
	const parent = new Map<number, number>();
	for (const node of profile.nodes)
		for (const child of node.children ?? []) parent.set(child, node.id);
	const kinds = new Map<number, 'node' | 'http' | 'expression' | 'other'>();
	const kindOf = (id: number) => {
		let kind = kinds.get(id);
		if (kind) return kind;
		let ours = false;
		let expression = false;
		let http = false;
		let loading = false;
		for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
			const url = byId.get(at)!.callFrame.url;
			if (url.includes(`/${PACKAGE_NAME}/dist/`)) ours = true;
			if (/expression-runtime|workflow-expression|\/expression\.js/.test(url)) expression = true;
			if (
				/^node:(https|_http_|http|net|tls|_tls_|stream|internal\/(tls|http|streams|net))/.test(url)
			)
				http = true;
			if (url.includes('modules/cjs/loader')) loading = true;
		}
		kind = !ours || loading ? 'other' : expression ? 'expression' : http ? 'http' : 'node';
		kinds.set(id, kind);
		return kind;
	};
	const totals = { node: 0, http: 0, expression: 0, other: 0 };
	// timeDeltas[i + 1] is how long sample i's stack ran.
	profile.samples.forEach((id, i) => (totals[kindOf(id)] += profile.timeDeltas[i + 1] ?? 0));
	return {
		nodeMs: totals.node / 1000 / items,
		httpMs: totals.http / 1000 / items,
		expressionMs: totals.expression / 1000 / items,
	};
}

/** Requiring the built node and credential in a fresh Node 24 that has already loaded n8n-workflow. */
export async function requireTimeMs(node24Bin: string): Promise<number[]> {
	const dist = join(repository, 'dist');
	const script = [
		`require(${JSON.stringify(require.resolve('n8n-workflow'))});`,
		'const started = process.hrtime.bigint();',
		`require(${JSON.stringify(join(dist, 'nodes', 'UserFlowApiConnectors', 'UserFlowApiConnectors.node.js'))});`,
		`require(${JSON.stringify(join(dist, 'credentials', 'MicrosoftEntraUserFlowsApi.credentials.js'))});`,
		'console.log(Number(process.hrtime.bigint() - started) / 1e6);',
	].join('\n');
	const times: number[] = [];
	for (let i = 0; i < 11; i++)
		times.push(Number((await run(join(node24Bin, 'node'), ['-e', script])).trim()));
	return times;
}
