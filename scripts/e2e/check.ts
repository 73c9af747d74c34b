// The checks of `npm run test:e2e`: each printed as it is made, and counted for the closing line.
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
