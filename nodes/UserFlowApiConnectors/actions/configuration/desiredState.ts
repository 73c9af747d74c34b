import {
	NodeOperationError,
	type IDataObject,
	type IDisplayOptions,
	type IExecuteFunctions,
	type INodeProperties,
} from 'n8n-workflow';

import type { NodeRun } from '../../helpers/nodeRun';
import { readDesiredDocument, type ConfigurationDocument } from './document';
import { makePlan, summaryOf, type Plan, type PlanOptions } from './plan';
import { readTenant, type TenantReading } from './tenant';

/* The parameters Plan and Plan and Apply share, and the planning both run. */

const EMPTY_DOCUMENT =
	'{\n  "version": 1,\n  "flowKind": "b2x",\n  "apiConnectors": [],\n  "userFlows": []\n}';

type Show = NonNullable<IDisplayOptions['show']>;

/** `show`: when these parameters appear besides the operation (Apply shows them with Plan and Apply on). */
export function desiredStateProperties(show: Show): INodeProperties[] {
	const when = (extra: Show = {}): IDisplayOptions => ({ show: { ...show, ...extra } });
	return [
		{
			displayName: 'Document From',
			name: 'documentSource',
			type: 'options',
			options: [
				{
					name: 'Parameter',
					value: 'parameter',
					description: 'The JSON document below (or an expression)',
				},
				{
					name: 'Input Item Field',
					value: 'field',
					description:
						'A field of the input item, such as the Export output or a file read from Git',
				},
			],
			default: 'parameter',
			displayOptions: when(),
		},
		{
			displayName: 'Document',
			name: 'document',
			type: 'json',
			default: EMPTY_DOCUMENT,
			description: 'The desired configuration: the format Export writes (see the README)',
			displayOptions: when({ documentSource: ['parameter'] }),
		},
		{
			displayName: 'Document Field',
			name: 'documentField',
			type: 'string',
			default: 'document',
			description: 'Field of the input item holding the document (an object or JSON text)',
			displayOptions: when({ documentSource: ['field'] }),
		},
		{
			displayName: 'Options',
			name: 'planOptions',
			type: 'collection',
			placeholder: 'Add Option',
			default: {},
			displayOptions: when(),
			options: [
				{
					displayName: 'Prune',
					name: 'prune',
					type: 'boolean',
					default: false,
					description:
						'Whether to also delete the user flows (of the document’s kind) and the API connectors that the document does not name',
				},
				{
					displayName: 'Set Passwords',
					name: 'setPasswords',
					type: 'boolean',
					default: false,
					description:
						'Whether to write the password of every basic-authentication connector from Connector Secrets. Graph masks passwords, so they cannot be compared: without this, a connector whose username is unchanged keeps its password.',
				},
			],
		},
	];
}

/** A document or plan as given: an object, or JSON text. `what` names it in the error. */
export function parseJsonInput(
	context: IExecuteFunctions,
	itemIndex: number,
	value: unknown,
	what: string,
): unknown {
	if (typeof value !== 'string') return value;
	try {
		return JSON.parse(value) as unknown;
	} catch (error) {
		throw new NodeOperationError(context.getNode(), `The ${what} is not valid JSON`, {
			itemIndex,
			description: (error as Error).message,
		});
	}
}

export function readDocumentInput(context: IExecuteFunctions, itemIndex: number): unknown {
	const source = context.getNodeParameter('documentSource', itemIndex, 'parameter');
	if (source === 'field') {
		const field = String(context.getNodeParameter('documentField', itemIndex, 'document'));
		const value = context.getInputData()[itemIndex]?.json?.[field];
		if (value === undefined) {
			throw new NodeOperationError(
				context.getNode(),
				`The input item has no field "${field}" holding a configuration document`,
				{
					itemIndex,
					description: 'Set Document Field to the field that holds it, such as document.',
				},
			);
		}
		return parseJsonInput(context, itemIndex, value, 'document');
	}
	return parseJsonInput(
		context,
		itemIndex,
		context.getNodeParameter('document', itemIndex),
		'document',
	);
}

/** Plan's options from the Options parameter, or from a plan's `options`: off unless set to true. */
export function planOptionsOf(options: IDataObject): PlanOptions {
	return { prune: options.prune === true, setPasswords: options.setPasswords === true };
}

export function readPlanOptions(context: IExecuteFunctions, itemIndex: number): PlanOptions {
	return planOptionsOf(context.getNodeParameter('planOptions', itemIndex, {}) as IDataObject);
}

export interface Planned {
	desired: ConfigurationDocument;
	reading: TenantReading;
	plan: Plan;
	options: PlanOptions;
}

/** Checks the document (no request yet), reads the tenant, and plans. `root` is the document's JSON path. */
export async function planDocument(
	context: IExecuteFunctions,
	run: NodeRun,
	itemIndex: number,
	document: unknown,
	options: PlanOptions,
	root = '$',
): Promise<Planned> {
	const { graphVersion } = await run.graph.endpoints();
	const desired = readDesiredDocument(context, itemIndex, document, graphVersion, root);
	if (options.prune && desired.apiConnectors.length === 0 && desired.userFlows.length === 0) {
		throw new NodeOperationError(
			context.getNode(),
			`Prune with a document that names nothing would delete every ${desired.flowKind} user flow and every API connector`,
			{
				itemIndex,
				description:
					'Check that the document is the one you meant (an empty Document parameter, or the wrong input field?). To delete objects, leave them out of a document that names what stays, or use User Flow > Delete and API Connector > Delete.',
			},
		);
	}
	const reading = await readTenant(run.graph, itemIndex, desired.flowKind);
	const plan = makePlan(run.graph, itemIndex, reading, desired, options);
	return { desired, reading, plan, options };
}

/** The plan as Plan outputs it and Apply takes it back: what was asked, what was read, what changes. */
export function planOutput({ desired, reading, plan, options }: Planned): IDataObject {
	return {
		fingerprint: plan.fingerprint,
		flowKind: desired.flowKind,
		hasChanges: plan.changes.length > 0,
		summary: summaryOf(plan.changes),
		changes: plan.changes as unknown as IDataObject[],
		unchangeable: plan.unchangeable as unknown as IDataObject[],
		passwords: plan.passwords,
		requests: reading.requests,
		options: { ...options },
		desired: desired as unknown as IDataObject,
	};
}
