// Runs after the test framework is set up in every test file: captures every console line (n8n's logger
// writes through the console) and fails the file if one of them holds a registered secret or a token.
import { findSecrets } from './secrets';

const captured: string[] = [];

function lineOf(args: unknown[]): string {
	return args
		.map((arg) => {
			if (typeof arg === 'string') return arg;
			if (arg instanceof Error) return `${arg.message} ${arg.stack ?? ''} ${JSON.stringify(arg)}`;
			try {
				return JSON.stringify(arg);
			} catch {
				return String(arg);
			}
		})
		.join(' ');
}

for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
	const original = console[method].bind(console);
	console[method] = (...args: unknown[]) => {
		captured.push(lineOf(args));
		original(...args);
	};
}

afterAll(() => {
	const leaks = captured.flatMap((line) =>
		findSecrets(line).map((secret) => `${secret} in log line "${line.slice(0, 160)}"`),
	);
	if (leaks.length) throw new Error(`Secret scan of the logs: ${leaks.join('; ')}`);
});
