import type { IExecuteFunctions } from 'n8n-workflow';

function holdsExpression(value: unknown): boolean {
	if (typeof value === 'string') return value.startsWith('=');
	if (value !== null && typeof value === 'object')
		return Object.values(value).some(holdsExpression);
	return false;
}

const runConstants = new WeakMap<IExecuteFunctions, Map<string, unknown>>();

/**
 * A node parameter for an item. One without expressions is the same for every item, so n8n's getNodeParameter
 * (a deep copy and checks on every call) is asked once per run for it; with an expression, once per item.
 * Callers treat the value as read-only: items share it.
 */
export function itemParameter<T>(
	context: IExecuteFunctions,
	name: string,
	itemIndex: number,
	fallback?: T,
): T {
	let constants = runConstants.get(context);
	if (!constants) runConstants.set(context, (constants = new Map()));
	if (constants.has(name)) return constants.get(name) as T;
	const value = (
		fallback === undefined
			? context.getNodeParameter(name, itemIndex)
			: context.getNodeParameter(name, itemIndex, fallback)
	) as T;
	const raw = name
		.split('.')
		.reduce<unknown>(
			(parent, key) => (parent as Record<string, unknown> | undefined)?.[key],
			context.getNode().parameters,
		);
	if (!holdsExpression(raw)) constants.set(name, value);
	return value;
}
