import { NodeOperationError, type INode } from 'n8n-workflow';

import type { GraphVersion } from '../../../credentials/entra';
import { ALL_STEPS, FLOW_KINDS, type ConnectorStep, type FlowKind } from './flowKinds';

/** An API connector ID: a GUID. The editor's validation and the node's own check use this one rule. */
export const GUID_PATTERN =
	'[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const GUID = new RegExp(`^${GUID_PATTERN}$`);

/** Letters, digits, underscores and hyphens: what the Entra admin center accepts in a user flow name. */
const FLOW_NAME_CHARACTER = '[A-Za-z0-9_-]';
const FLOW_NAME_MAX_LENGTH = 128;
export const FLOW_NAME = new RegExp(`^${FLOW_NAME_CHARACTER}{1,${FLOW_NAME_MAX_LENGTH}}$`);
/** A flow ID in the editor: the name, with or without its prefix (B2X_1_ or B2C_1_, six characters). */
export const FLOW_ID_PATTERN = `^${FLOW_NAME_CHARACTER}{1,${FLOW_NAME_MAX_LENGTH + 6}}$`;

function fail(node: INode, itemIndex: number, message: string, description?: string): never {
	throw new NodeOperationError(node, message, { itemIndex, description });
}

/** The flow kind, if the credential's Graph version offers it. */
export function requireFlowKind(
	node: INode,
	itemIndex: number,
	value: unknown,
	version: GraphVersion,
): FlowKind {
	if (value !== 'b2x' && value !== 'b2c') {
		fail(
			node,
			itemIndex,
			`Unknown flow kind "${String(value)}"`,
			'Use b2x (External ID self-service sign-up) or b2c (Azure AD B2C).',
		);
	}
	if (!FLOW_KINDS[value].versions.includes(version)) {
		fail(
			node,
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
	node: INode,
	itemIndex: number,
	value: unknown,
	kind: FlowKind,
	messages: FlowNameMessages,
): string {
	const text =
		typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
	if (text === '') fail(node, itemIndex, ...messages.empty);
	const name = stripPrefix(text, kind);
	if (!FLOW_NAME.test(name)) {
		fail(
			node,
			itemIndex,
			`"${text.slice(0, 80)}" is not a valid ${messages.invalid[0]}`,
			messages.invalid[1],
		);
	}
	return name;
}

/** Name for Create: Graph adds the prefix itself, so a prefix typed by the user is taken off. */
export function requireNewFlowName(
	node: INode,
	itemIndex: number,
	value: unknown,
	kind: FlowKind,
): string {
	return requireFlowName(node, itemIndex, value, kind, {
		empty: ['User Flow Name is empty', 'Enter a name such as Partner; Graph adds the prefix.'],
		invalid: [
			'user flow name',
			'Use 1 to 128 letters, digits, underscores or hyphens, for example Partner.',
		],
	});
}

/** ID of an existing flow: "Partner" and "B2X_1_Partner" both mean B2X_1_Partner. */
export function requireExistingFlowId(
	node: INode,
	itemIndex: number,
	value: unknown,
	kind: FlowKind,
): string {
	const { prefix } = FLOW_KINDS[kind];
	const name = requireFlowName(node, itemIndex, value, kind, {
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

export function requireConnectorId(node: INode, itemIndex: number, value: unknown): string {
	const text = typeof value === 'string' ? value.trim() : '';
	if (text === '') {
		fail(
			node,
			itemIndex,
			'API Connector is empty',
			'Choose an API connector from the list or enter its ID (a GUID).',
		);
	}
	if (!GUID.test(text)) {
		fail(
			node,
			itemIndex,
			`"${text.slice(0, 80)}" is not an API connector ID`,
			'An API connector ID is a GUID such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301.',
		);
	}
	return text.toLowerCase();
}

export function requireStep(
	node: INode,
	itemIndex: number,
	value: unknown,
	kind: FlowKind,
): ConnectorStep {
	const step = String(value ?? '') as ConnectorStep;
	const offered = `Use one of: ${FLOW_KINDS[kind].steps.join(', ')}.`;
	if (!ALL_STEPS.includes(step)) {
		fail(node, itemIndex, `Unknown user flow step "${String(value).slice(0, 80)}"`, offered);
	}
	if (!FLOW_KINDS[kind].steps.includes(step)) {
		fail(
			node,
			itemIndex,
			`${FLOW_KINDS[kind].displayName} user flows have no ${step} step`,
			offered,
		);
	}
	return step;
}
