// n8n's community-package scanner (@n8n/scan-community-package) on an unpacked `npm pack` folder.
// Prints one JSON line: { passed, violations: [{ rule, message }] }.
import {
	analyzePackage,
	SOURCE_FILE_PATTERNS,
} from '@n8n/scan-community-package/scanner/scanner.mjs';

const result = await analyzePackage(process.argv[2], SOURCE_FILE_PATTERNS);
const details = (result.details ?? '').replace(/\x1b\[[0-9;]*m/g, '');
const violations = [
	...details.matchAll(/^\s+\d+:\d+\s+(error|warning)\s+(.*?)\s{2,}(\S+)\s*$/gm),
].map(([, level, message, rule]) => ({
	level,
	rule,
	message,
}));
console.log(JSON.stringify({ passed: result.passed, message: result.message ?? '', violations }));
