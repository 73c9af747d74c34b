import {
	NodeOperationError,
	type IExecuteFunctions,
	type ILoadOptionsFunctions,
} from 'n8n-workflow';

import type { GraphVersion } from '../../../credentials/entra/clouds';
import { isGuid } from '../../../credentials/entra/settings';
import { ALL_STEPS, FLOW_KINDS, type ConnectorStep, type FlowKind } from './flowKinds';

type Context = IExecuteFunctions | ILoadOptionsFunctions;

/** Letters, digits, underscores and hyphens: what the Entra admin center accepts in a user flow name. */
const FLOW_NAME = /^[A-Za-z0-9_-]{1,128}$/;

function fail(context: Context, itemIndex: number, message: string, description?: string): never {
	throw new NodeOperationError(context.getNode(), message, { itemIndex, description });
}

export function requireFlowKind(
	context: Context,
	itemIndex: number,
	value: unknown,
	version: GraphVersion,
): FlowKind {
	if (value !== 'b2x' && value !== 'b2c') {
		fail(
			context,
			itemIndex,
			`Unknown flow kind "${String(value)}"`,
			'Use b2x (External ID self-service sign-up) or b2c (Azure AD B2C).',
		);
	}
	if (!FLOW_KINDS[value].versions.includes(version)) {
		fail(
			context,
			itemIndex,
			`${FLOW_KINDS[value].displayName} user flows need the Graph beta API, but the credential uses ${version}`,
			'Set Graph API Version to Beta in the Microsoft Entra credential, or choose External ID self-service sign-up.',
		);
	}
	return value;
}

function stripPrefix(name: string, kind: FlowKind): string {
	const { prefix } = FLOW_KINDS[kind];
	return name.toUpperCase().startsWith(prefix) ? name.slice(prefix.length) : name;
}

/** What to say when a flow name or ID is empty or malformed. */
interface FlowNameMessages {
	empty: [message: string, description: string];
	invalid: [label: string, description: string];
}

/** The flow's name without its prefix, checked; the same rule serves new names and existing IDs. */
function requireFlowName(
	context: Context,
	itemIndex: number,
	value: unknown,
	kind: FlowKind,
	messages: FlowNameMessages,
): string {
	const text =
		typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
	if (text === '') fail(context, itemIndex, ...messages.empty);
	const name = stripPrefix(text, kind);
	if (!FLOW_NAME.test(name))
		fail(
			context,
			itemIndex,
			`"${text.slice(0, 80)}" is not a valid ${messages.invalid[0]}`,
			messages.invalid[1],
		);
	return name;
}

/** Name for Create: Graph adds the prefix itself, so a prefix typed by the user is taken off. */
export function requireNewFlowName(
	context: Context,
	itemIndex: number,
	value: unknown,
	kind: FlowKind,
): string {
	return requireFlowName(context, itemIndex, value, kind, {
		empty: ['User Flow Name is empty', 'Enter a name such as Partner; Graph adds the prefix.'],
		invalid: [
			'user flow name',
			'Use 1 to 128 letters, digits, underscores or hyphens, for example Partner.',
		],
	});
}

/** ID of an existing flow: "Partner" and "B2X_1_Partner" both mean B2X_1_Partner. */
export function requireExistingFlowId(
	context: Context,
	itemIndex: number,
	value: unknown,
	kind: FlowKind,
): string {
	const { prefix } = FLOW_KINDS[kind];
	const name = requireFlowName(context, itemIndex, value, kind, {
		empty: [
			'User Flow is empty',
			`Choose a user flow from the list or enter its ID, such as ${prefix}Partner.`,
		],
		invalid: [
			'user flow ID',
			`A user flow ID looks like ${prefix}Partner: letters, digits, underscores or hyphens.`,
		],
	});
	return `${prefix}${name}`;
}

export function requireConnectorId(context: Context, itemIndex: number, value: unknown): string {
	const text = typeof value === 'string' ? value.trim() : '';
	if (text === '')
		fail(
			context,
			itemIndex,
			'API Connector is empty',
			'Choose an API connector from the list or enter its ID (a GUID).',
		);
	if (!isGuid(text)) {
		fail(
			context,
			itemIndex,
			`"${text.slice(0, 80)}" is not an API connector ID`,
			'An API connector ID is a GUID such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301.',
		);
	}
	return text.toLowerCase();
}

export function requireStep(
	context: Context,
	itemIndex: number,
	value: unknown,
	kind: FlowKind,
): ConnectorStep {
	const step = String(value ?? '') as ConnectorStep;
	if (!ALL_STEPS.includes(step)) {
		fail(
			context,
			itemIndex,
			`Unknown user flow step "${String(value).slice(0, 80)}"`,
			`Use one of: ${FLOW_KINDS[kind].steps.join(', ')}.`,
		);
	}
	if (!FLOW_KINDS[kind].steps.includes(step)) {
		fail(
			context,
			itemIndex,
			`${FLOW_KINDS[kind].displayName} user flows have no ${step} step`,
			`Use one of: ${FLOW_KINDS[kind].steps.join(', ')}.`,
		);
	}
	return step;
}
