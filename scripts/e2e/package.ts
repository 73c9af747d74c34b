// `npm run test:e2e`, the package itself: what `npm pack` puts in it and what n8n's community-package scanner says.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { repository, run } from '../realN8n';
import { check } from './check';

export async function inspectPackage(tarball: string): Promise<void> {
	const files = (await run('tar', ['tzf', tarball])).trim().split('\n');
	const unexpected = files.filter(
		(file) => !/^package\/(dist\/.+|README\.md|LICENSE|package\.json)$/.test(file),
	);
	check(
		'npm pack holds only dist, README, LICENSE and package.json',
		unexpected.length === 0,
		unexpected.join(', ') || `${files.length} files`,
	);
}

/** The scanner must find nothing but the one rule the README justifies (a runtime dependency on @azure/identity). */
export async function scan(tarball: string, work: string): Promise<void> {
	const unpacked = join(work, 'unpacked');
	mkdirSync(unpacked);
	await run('tar', ['xzf', tarball, '-C', unpacked]);
	const stdout = await run(
		process.execPath,
		[join(repository, 'scripts', 'scan-package.mjs'), join(unpacked, 'package')],
		{ cwd: repository },
	);
	const report = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
		passed: boolean;
		violations: Array<{ rule: string; message: string }>;
	};
	const others = report.violations.filter(
		(v) => v.rule !== '@n8n/community-nodes/no-runtime-dependencies',
	);
	check(
		"n8n's community-package scanner: no violation besides the justified runtime dependency",
		report.violations !== undefined &&
			others.length === 0 &&
			(report.passed || report.violations.length > 0),
		report.passed ? 'passed' : `exceptions: ${report.violations.map((v) => v.rule).join(', ')}`,
	);
}
