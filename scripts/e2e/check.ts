// The checks of `npm run test:e2e`: each printed as it is made, and counted for the closing line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const results: Array<{ name: string; ok: boolean; detail: string }> = [];

export function check(name: string, ok: boolean, detail = '') {
	results.push({ name, ok, detail });
	console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` (${detail})` : ''}`);
}

export const anyFailed = () => results.some((result) => !result.ok);

/** The closing line; `extraFailures` for a run that ended early. */
export function summary(extraFailures = 0): string {
	const failed = results.filter((result) => !result.ok).length + extraFailures;
	return `${results.length - failed + extraFailures} passed, ${failed} failed`;
}

/**
 * Runs `checks` in a temporary folder (`prefix`…), then prints how long `what` took and the summary line, and exits
 * 1 if a check failed or `checks` threw.
 */
export function runChecks(what: string, prefix: string, checks: (work: string) => Promise<void>) {
	const started = Date.now();
	const work = mkdtempSync(join(tmpdir(), prefix));
	checks(work)
		.finally(() => rmSync(work, { recursive: true, force: true }))
		.then(
			() => {
				console.log(`\n${what} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
				console.log(summary());
				process.exit(anyFailed() ? 1 : 0);
			},
			(error: unknown) => {
				console.error(error);
				console.log(summary(1));
				process.exit(1);
			},
		);
}
