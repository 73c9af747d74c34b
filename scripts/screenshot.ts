// Takes the README's picture of the node in a real n8n editor: start `npm run dev` first, then
// `npm run screenshot` (needs Debian's chromium: apt-get install chromium). Writes docs/*.png.
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
		await page.goto(`${baseUrl}/workflow/EntraUserFlowDemo01`, { waitUntil: 'networkidle' });
		await page
			.getByText('Call connector after federation', { exact: true })
			.first()
			.waitFor({ timeout: 30_000 });
		// Run it against the emulator, so the node panel shows real output next to its parameters.
		await page
			.locator('[data-test-id="execute-workflow-button"]')
			.or(page.getByText('Execute workflow', { exact: true }))
			.first()
			.click({ force: true });
		await page
			.getByText(/Workflow executed successfully/i)
			.first()
			.waitFor({ timeout: 60_000 });
		await page.mouse.move(700, 150);
		await page.waitForTimeout(1000);
		await page.screenshot({ path: join(repository, 'docs', 'workflow-in-editor.png') });
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
	} finally {
		await browser.close();
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
