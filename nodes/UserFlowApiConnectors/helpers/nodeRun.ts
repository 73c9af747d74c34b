import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import type { GraphClient } from '../transport';

function holdsExpression(value: unknown): boolean {
	if (typeof value === 'string') return value.startsWith('=');
	if (value !== null && typeof value === 'object')
		return Object.values(value).some(holdsExpression);
	return false;
}

/**
 * The node's parameters for one run. One without expressions is the same for every item, so n8n's
 * getNodeParameter (a deep copy and checks on every call) is asked once per run for it; with an expression,
 * once per item. Callers treat the value as read-only: items share it.
 */
export class RunParameters {
	private readonly constants = new Map<string, unknown>();

	constructor(private readonly context: IExecuteFunctions) {}

	get<T>(name: string, itemIndex: number, fallback?: T): T {
		return this.read(name, itemIndex, fallback, false);
	}

	/** A resource locator's value as n8n's extractValue takes it out of the mode's URL (or the value itself). */
	extracted(name: string, itemIndex: number): unknown {
		return this.read(name, itemIndex, undefined, true);
	}

	private read<T>(
		name: string,
		itemIndex: number,
		fallback: T | undefined,
		extractValue: boolean,
	): T {
		const key = extractValue ? `${name} (extracted)` : name;
		if (this.constants.has(key)) return this.constants.get(key) as T;
		const value = this.context.getNodeParameter(
			name,
			itemIndex,
			fallback,
			extractValue ? { extractValue } : undefined,
		) as T;
		const raw = name
			.split('.')
			.reduce<unknown>(
				(parent, key) => (parent as Record<string, unknown> | undefined)?.[key],
				this.context.getNode().parameters,
			);
		if (!holdsExpression(raw)) this.constants.set(key, value);
		return value;
	}
}

/** What every operation gets from the router: this run's Graph client and parameters. */
export interface NodeRun {
	graph: GraphClient;
	parameters: RunParameters;
}

/** An operation's execute: n8n's functions as `this`, the run, and the item it works on. */
export type OperationExecute<Result = IDataObject | IDataObject[]> = (
	this: IExecuteFunctions,
	run: NodeRun,
	itemIndex: number,
) => Promise<Result>;
