// Runs after the test framework is set up in every test file: captures every console line and every line
// of n8n's logger, and fails the file if one of them holds a registered secret or a token.
//
// n8n's logger (LoggerProxy in n8n-workflow, the Logger service of n8n-core's node contexts) would print
// every node error through winston; here it goes to a logger that scans each line, message and metadata,
// and prints nothing: the specs assert the errors themselves, and jest prints what fails. Set
// SHOW_N8N_LOGS=1 to see the lines too.
import { Logger as N8nLogger } from '@n8n/backend-common';
import { Container } from '@n8n/di';
import { LoggerProxy, type LogMetadata } from 'n8n-workflow';

import { findSecrets } from './secrets';

const captured: string[] = [];

/** JSON that keeps what an Error holds (JSON.stringify drops it) and survives cycles. */
function textOf(value: unknown): string {
	const seen = new WeakSet<object>();
	try {
		return (
			JSON.stringify(value, (_key, field: unknown) => {
				if (field instanceof Error)
					return {
						...field,
						name: field.name,
						message: field.message,
						stack: field.stack,
						cause: field.cause,
					};
				if (typeof field === 'object' && field !== null) {
					if (seen.has(field)) return '[cycle]';
					seen.add(field);
				}
				return field;
			}) ?? String(value)
		);
	} catch {
		return String(value);
	}
}

function lineOf(args: unknown[]): string {
	return args.map((arg) => (typeof arg === 'string' ? arg : textOf(arg))).join(' ');
}

for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
	const original = console[method].bind(console);
	console[method] = (...args: unknown[]) => {
		captured.push(lineOf(args));
		original(...args);
	};
}

const printN8nLogs = Boolean(process.env.SHOW_N8N_LOGS);
const log =
	(level: string) =>
	(message: string, metadata: LogMetadata = {}): void => {
		const line = lineOf([`n8n ${level}:`, message, metadata]);
		captured.push(line);
		if (printN8nLogs) process.stderr.write(`${line}\n`);
	};
const scanningLogger = {
	error: log('error'),
	warn: log('warn'),
	info: log('info'),
	debug: log('debug'),
	scoped: () => scanningLogger,
};
// Before n8n-core creates its own Logger: that one would hand LoggerProxy the winston console again.
Container.set(N8nLogger, scanningLogger as unknown as N8nLogger);
LoggerProxy.init(scanningLogger);

function leaksIn(lines: string[]): string[] {
	return lines.flatMap((line) =>
		findSecrets(line).map((secret) => `${secret} in log line "${line.slice(0, 160)}"`),
	);
}

/** For the scan's own spec: the leaks found so far, whose lines are then forgotten. */
export function takeLogLeaks(): string[] {
	const leaking = captured.filter((line) => findSecrets(line).length > 0);
	const leaks = leaksIn(leaking);
	for (const line of leaking) captured.splice(captured.indexOf(line), 1);
	return leaks;
}

afterAll(() => {
	const leaks = leaksIn(captured);
	if (leaks.length) throw new Error(`Secret scan of the logs: ${leaks.join('; ')}`);
});
