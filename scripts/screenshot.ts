// Takes the README's pictures of the node in a real n8n editor: start `npm run dev` first (a fresh tenant: the
// runs below change it), then `npm run screenshot` (needs Debian's chromium: apt-get install chromium).
// Each workflow is opened, zoomed to fit and run against the emulator, so the canvas shows item counts:
// - docs/workflow-in-editor.png and docs/node-in-editor.png: the user flow example, and one node's panel;
// - docs/configuration-drift-in-editor.png: the nightly drift check, run up to the Wait node, approved through
//   its resume URL as the approver would, and run on through Apply.
import { join } from 'node:path';

import { chromium, type Page } from 'playwright-core';

import { DEV_LOGIN, repository } from './realN8n';

const baseUrl = `http://127.0.0.1:${process.env.N8N_DEV_PORT ?? 5678}`;

async function logIn(page: Page) {
	const response = await page.request.post(`${baseUrl}/rest/login`, {
		data: { emailOrLdapLoginId: DEV_LOGIN.email, password: DEV_LOGIN.password },
	});
	if (!response.ok()) throw new Error(`login answered HTTP ${response.status()}`);
}

async function restGet(page: Page, path: string): Promise<string> {
	const response = await page.request.get(`${baseUrl}${path}`);
	if (!response.ok()) throw new Error(`GET ${path} answered HTTP ${response.status()}`);
	return await response.text();
}

/** Waits for the workflow's run to stop at its Wait node, then opens the run's resume URL, as the approver would. */
async function approveWaitingRun(page: Page, workflowId: string) {
	const filter = encodeURIComponent(JSON.stringify({ workflowId, status: ['waiting'] }));
	for (let attempt = 0; attempt < 60; attempt++) {
		const body = JSON.parse(await restGet(page, `/rest/executions?filter=${filter}`)) as {
			data: { results: Array<{ id: string }> };
		};
		const [waiting] = body.data.results;
		if (waiting) {
			const execution = await restGet(page, `/rest/executions/${waiting.id}`);
			const resumeUrl = /https?:\/\/[^"\\]+\/webhook-waiting\/[^"\\]+/.exec(execution)?.[0];
			if (!resumeUrl) throw new Error(`no resume URL in execution ${waiting.id}`);
			const response = await page.request.get(resumeUrl);
			if (!response.ok()) throw new Error(`the resume URL answered HTTP ${response.status()}`);
			return;
		}
		await page.waitForTimeout(500);
	}
	throw new Error(`no run of ${workflowId} reached its Wait node`);
}

/** Opens a workflow, runs it from the editor and takes the canvas, zoomed to fit, once the run succeeded. */
async function pictureRun(
	page: Page,
	picture: {
		workflowId: string;
		nodeName: string;
		file: string;
		whileRunning?: () => Promise<void>;
	},
) {
	await page.goto(`${baseUrl}/workflow/${picture.workflowId}`, { waitUntil: 'networkidle' });
	await page.getByText(picture.nodeName, { exact: true }).first().waitFor({ timeout: 30_000 });
	await page
		.locator('[data-test-id="execute-workflow-button"]')
		.or(page.getByText('Execute workflow', { exact: true }))
		.first()
		.click({ force: true });
	await picture.whileRunning?.();
	await page
		.getByText(/Workflow executed successfully/i)
		.first()
		.waitFor({ timeout: 60_000 });
	await page.locator('[data-test-id="zoom-to-fit"]').click();
	await page.mouse.move(700, 150);
	await page.waitForTimeout(1000);
	await page.screenshot({ path: join(repository, 'docs', picture.file) });
}

async function main() {
	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
		],
	});
	try {
		const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
		await logIn(page);
		await pictureRun(page, {
			workflowId: 'EntraUserFlowDemo01',
			nodeName: 'Call connector after federation',
			file: 'workflow-in-editor.png',
		});
		// The node panel shows the run's real output next to its parameters.
		await page
			.locator('[data-test-id="canvas-node"]')
			.filter({ hasText: 'Call connector after federation' })
			.first()
			.dblclick({ force: true });
		await page
			.locator('[data-test-id="ndv"], .ndv-wrapper, [data-test-id="node-parameters"]')
			.first()
			.waitFor({ timeout: 15_000 });
		await page.waitForTimeout(1500);
		await page.screenshot({ path: join(repository, 'docs', 'node-in-editor.png') });
		await page.keyboard.press('Escape');
		// The user flow example left the flow's steps unlike the drift check's document: drift for Plan to find.
		await pictureRun(page, {
			workflowId: 'EntraConfigDrift01',
			nodeName: 'Wait for approval',
			file: 'configuration-drift-in-editor.png',
			whileRunning: () => approveWaitingRun(page, 'EntraConfigDrift01'),
		});
	} finally {
		await browser.close();
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
