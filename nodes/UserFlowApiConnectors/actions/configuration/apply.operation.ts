import {
	NodeOperationError,
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeProperties,
} from 'n8n-workflow';

import type { OperationExecute } from '../../helpers/nodeRun';
import { readRunOptions } from '../requestOptions';
import { applyChanges } from './applyChanges';
import {
	desiredStateProperties,
	parseJsonInput,
	planDocument,
	planOptionsOf,
	readDocumentInput,
	readPlanOptions,
	type Planned,
} from './desiredState';
import { summaryOf, type PlanOptions } from './plan';
import { connectorSecretsProperty, readNeededSecrets } from './secrets';

const show = { resource: ['configuration'], operation: ['apply'] };

const properties: INodeProperties[] = [
	{
		displayName: 'Plan and Apply',
		name: 'planAndApply',
		type: 'boolean',
		default: false,
		description:
			'Whether to plan from a document and apply at once. Off: apply the plan of a Plan node (after an approval step), refusing it if the tenant changed since.',
	},
	{
		displayName: 'Plan',
		name: 'plan',
		type: 'json',
		default: '={{ $json }}',
		description:
			'The output item of a Plan node; the default takes the input item. After a Wait node, point an expression at the Plan node’s item instead.',
		displayOptions: { show: { planAndApply: [false] } },
	},
	...desiredStateProperties({ planAndApply: [true] }),
	connectorSecretsProperty,
];

export const description = updateDisplayOptions({ show }, properties);

/** A plan from the input: the document it was made for (checked again) and its options and fingerprint. */
function readApprovedPlan(
	context: IExecuteFunctions,
	itemIndex: number,
): { document: unknown; options: PlanOptions; fingerprint: string } {
	const value = parseJsonInput(
		context,
		itemIndex,
		context.getNodeParameter('plan', itemIndex),
		'plan',
	);
	const plan = (value ?? {}) as IDataObject;
	const options = (plan.options ?? {}) as IDataObject;
	if (
		typeof plan.fingerprint !== 'string' ||
		typeof plan.desired !== 'object' ||
		plan.desired === null
	) {
		throw new NodeOperationError(context.getNode(), 'The plan is not the output of a Plan node', {
			itemIndex,
			description:
				"Set Plan to the Plan node's output item, e.g. {{ $('Plan').item.json }}, or turn on Plan and Apply.",
		});
	}
	return {
		document: plan.desired,
		options: planOptionsOf(options),
		fingerprint: plan.fingerprint,
	};
}

/**
 * Re-reads the tenant and plans again; a plan from the input must come out with the fingerprint it was
 * approved with, or nothing is written. Then the secrets the changes need, then the changes in order.
 */
export const execute: OperationExecute<IDataObject> = async function (run, itemIndex) {
	let planned: Planned;
	if (this.getNodeParameter('planAndApply', itemIndex, false)) {
		const document = readDocumentInput(this, itemIndex);
		planned = await planDocument(this, run, itemIndex, document, readPlanOptions(this, itemIndex));
	} else {
		const approved = readApprovedPlan(this, itemIndex);
		planned = await planDocument(
			this,
			run,
			itemIndex,
			approved.document,
			approved.options,
			'$.desired',
		);
		if (planned.plan.fingerprint !== approved.fingerprint) {
			throw new NodeOperationError(
				this.getNode(),
				'Stale plan: the tenant changed since the plan was made, so nothing was applied',
				{
					itemIndex,
					description: `The plan was approved for ${approved.fingerprint}; the tenant now reads as ${planned.plan.fingerprint}. Plan again and approve the new plan.`,
				},
			);
		}
	}
	const { changes } = planned.plan;
	const secrets = await readNeededSecrets(this, itemIndex, changes);
	const applied = await applyChanges(
		{
			graph: run.graph,
			itemIndex,
			kind: planned.desired.flowKind,
			desired: planned.desired,
			secrets,
		},
		changes,
		// Request Options > Concurrency: changes of one kind at a time, as items elsewhere.
		readRunOptions(run.parameters).concurrency,
	);
	return {
		fingerprint: planned.plan.fingerprint,
		flowKind: planned.desired.flowKind,
		writes: applied.length,
		summary: summaryOf(changes),
		applied,
		unchangeable: planned.plan.unchangeable as unknown as IDataObject[],
		passwords: planned.plan.passwords,
		requests: { read: planned.reading.requests, write: applied.length },
	};
};
