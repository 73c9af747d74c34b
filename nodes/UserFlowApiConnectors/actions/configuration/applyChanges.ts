import { NodeApiError, NodeOperationError, type IDataObject } from 'n8n-workflow';

import { FLOW_KINDS, type FlowKind } from '../../helpers/flowKinds';
import { flowPath } from '../../helpers/locators';
import { requireNewFlowName } from '../../helpers/validation';
import { graphPath, type GraphClient } from '../../transport';
import { readConnector } from '../apiConnector/connector';
import { writeStep } from '../apiConnectorConfiguration/steps';
import type { ConfigurationDocument } from './document';
import { CHANGE_ORDER, type Change } from './plan';
import type { ConnectorSecret } from './secrets';
import { connectorOf } from './tenant';

/*
 * Apply's writes: one documented Graph call per change, one change after another in the plan's order, so
 * that a connector exists before a step links it and a step is unlinked before its connector goes.
 */

interface ApplyContext {
	graph: GraphClient;
	itemIndex: number;
	kind: FlowKind;
	desired: ConfigurationDocument;
	secrets: Map<string, ConnectorSecret>;
	/** Connector ids by display name, as they become known (a created connector's id). */
	connectorIds: Map<string, string>;
}

/** Errors of a change that Graph did carry out: the change counts as applied. */
const appliedThenFailed = new WeakSet<Error>();

/** The certificates the document lists must be in Graph's answer: otherwise the .pfx held another one. */
function requireUploaded(context: ApplyContext, change: Change, body: IDataObject): void {
	const listed =
		change.kind === 'uploadCertificate'
			? ((change.after?.certificates ?? []) as string[])
			: (
					((change.after?.authentication as IDataObject | undefined)?.certificates ?? []) as Array<{
						thumbprint: string;
					}>
				).map((certificate) => certificate.thumbprint);
	const { authentication } = connectorOf(context.graph, context.itemIndex, body);
	const present =
		authentication.type === 'clientCertificate'
			? authentication.certificates.map((certificate) => certificate.thumbprint)
			: [];
	const absent = listed.filter((thumbprint) => !present.includes(thumbprint));
	if (absent.length) {
		const error = new NodeOperationError(
			context.graph.node,
			`The .pfx given for "${change.apiConnector}" does not hold the certificate ${absent.join(', ')} that the document lists; the connector now has ${present.join(', ') || 'no certificate'}`,
			{
				itemIndex: context.itemIndex,
				description:
					'Give the .pfx of the listed certificate under Connector Secrets, or list the certificate it holds.',
			},
		);
		appliedThenFailed.add(error);
		throw error;
	}
}

function authenticationBody(context: ApplyContext, change: Change): IDataObject | undefined {
	const secret = context.secrets.get(change.apiConnector ?? '');
	if (change.needs === 'password') {
		const entry = context.desired.apiConnectors.find((c) => c.displayName === change.apiConnector);
		const username = entry?.authentication.type === 'basic' ? entry.authentication.username : '';
		return {
			'@odata.type': '#microsoft.graph.basicAuthentication',
			username,
			password: secret?.password ?? '',
		};
	}
	if (change.needs === 'pfx')
		return { '@odata.type': '#microsoft.graph.pkcs12Certificate', ...secret?.pkcs12 };
	return undefined;
}

function connectorIdFor(context: ApplyContext, change: Change): string {
	const id = change.apiConnectorId ?? context.connectorIds.get(change.apiConnector ?? '');
	if (!id) throw new Error(`No API connector id for "${change.apiConnector}"`);
	return id;
}

/** Makes one change; what it returns goes into the applied change's `result`. */
export async function applyChange(context: ApplyContext, change: Change): Promise<IDataObject> {
	const { graph, itemIndex, kind } = context;
	const flow = { kind, flowId: change.userFlowId ?? '' };
	switch (change.kind) {
		case 'createConnector': {
			const { body } = await graph.request({
				method: 'POST',
				path: graphPath`/identity/apiConnectors`,
				body: {
					displayName: change.apiConnector,
					targetUrl: change.after?.targetUrl,
					authenticationConfiguration: authenticationBody(context, change),
				},
				itemIndex,
			});
			const id = String(body.id).toLowerCase();
			context.connectorIds.set(String(change.apiConnector), id);
			if (change.needs === 'pfx') requireUploaded(context, change, body);
			return { apiConnectorId: id };
		}
		case 'updateConnector': {
			const patch: IDataObject = {};
			if (change.before?.targetUrl !== change.after?.targetUrl)
				patch.targetUrl = change.after?.targetUrl;
			const authentication = authenticationBody(context, change);
			if (authentication) patch.authenticationConfiguration = authentication;
			const connectorId = connectorIdFor(context, change);
			await graph.request({
				method: 'PATCH',
				path: graphPath`/identity/apiConnectors/${connectorId}`,
				body: patch,
				itemIndex,
			});
			// A PATCH answers 204: to know which certificate the .pfx held, the connector is read back.
			if (change.needs === 'pfx')
				requireUploaded(context, change, await readConnector(graph, itemIndex, connectorId));
			return { apiConnectorId: connectorId };
		}
		case 'uploadCertificate': {
			const { body } = await graph.request({
				method: 'POST',
				path: graphPath`/identity/apiConnectors/${connectorIdFor(context, change)}/uploadClientCertificate`,
				body: context.secrets.get(String(change.apiConnector))?.pkcs12 as unknown as IDataObject,
				itemIndex,
			});
			requireUploaded(context, change, body);
			return { apiConnectorId: connectorIdFor(context, change) };
		}
		case 'createFlow': {
			const providers = change.after?.identityProviders as string[] | null | undefined;
			await graph.request({
				method: 'POST',
				path: graphPath`/identity/${FLOW_KINDS[kind].collection}`,
				body: {
					id: requireNewFlowName(graph.node, itemIndex, change.userFlowId, kind),
					userFlowType: change.after?.userFlowType,
					userFlowTypeVersion: change.after?.userFlowTypeVersion,
					...(providers ? { identityProviders: providers.map((id) => ({ id })) } : {}),
				},
				itemIndex,
			});
			return { userFlowId: change.userFlowId };
		}
		case 'linkStep': {
			const connectorId = connectorIdFor(context, change);
			await writeStep(graph, itemIndex, flow, change.step!, connectorId);
			return { apiConnectorId: connectorId };
		}
		case 'unlinkStep':
			await writeStep(graph, itemIndex, flow, change.step!, null);
			return {};
		case 'deleteFlow':
			await graph.request({ method: 'DELETE', path: flowPath(flow), itemIndex });
			return {};
		case 'deleteConnector':
			await graph.request({
				method: 'DELETE',
				path: graphPath`/identity/apiConnectors/${connectorIdFor(context, change)}`,
				itemIndex,
			});
			return {};
	}
}

/** How a change is named in messages: "linkStep B2X_1_Partner postAttributeCollection → Validate". */
export function changeLabel(change: Change): string {
	const parts = [change.kind, change.userFlowId, change.step, change.apiConnector].filter(Boolean);
	return parts.join(' ');
}

/** The error of a failed change, saying where Apply stopped, what it applied and what it did not. */
function stoppedAt(
	context: Omit<ApplyContext, 'connectorIds'>,
	changes: Change[],
	applied: Array<IDataObject | undefined>,
	index: number,
	cause: unknown,
): Error {
	const error =
		cause instanceof NodeApiError || cause instanceof NodeOperationError
			? cause
			: new NodeOperationError(context.graph.node, cause as Error, {
					itemIndex: context.itemIndex,
				});
	const labels = (done: boolean) =>
		changes.filter((_, i) => (applied[i] !== undefined) === done).map(changeLabel);
	error.message = `Apply stopped at change ${index + 1} of ${changes.length} (${changeLabel(changes[index])}): ${error.message}`;
	error.description = [
		error.description,
		`Applied (now in the tenant): ${labels(true).join('; ') || 'none'}.`,
		`Not applied: ${labels(false).join('; ') || 'none'}.`,
		'Plan again (or run Plan and Apply): the new plan starts from what is in the tenant now, so it holds only what is left.',
	]
		.filter(Boolean)
		.join(' ');
	return error;
}

/**
 * Makes the changes kind by kind in the plan's order, so that every change finds what it depends on done
 * (connectors before links, unlinks before deletes). Changes of one kind touch different objects, so up to
 * `concurrency` of them run at a time (with Batching, in $batch requests). The first failure stops new
 * changes from starting; once the running ones have ended, the error says which changes were applied (they
 * are in the tenant) and which were not, keeping Graph's code and request id when Graph refused.
 */
export async function applyChanges(
	context: Omit<ApplyContext, 'connectorIds'>,
	changes: Change[],
	concurrency: number,
): Promise<IDataObject[]> {
	const applyContext: ApplyContext = { ...context, connectorIds: new Map() };
	const applied: Array<IDataObject | undefined> = new Array(changes.length);
	// An object, as in the router, so TypeScript does not narrow it away across the awaits.
	const stop: { failure?: { index: number; error: unknown } } = {};
	// The lowest failing change is the one reported.
	const recordFailure = (index: number, error: unknown) => {
		if (!stop.failure || index < stop.failure.index) stop.failure = { index, error };
	};
	for (const kind of CHANGE_ORDER) {
		const indexes = changes.flatMap((change, index) => (change.kind === kind ? [index] : []));
		let next = 0;
		const worker = async () => {
			while (next < indexes.length && !stop.failure) {
				const index = indexes[next++];
				const change = changes[index];
				try {
					const result = await applyChange(applyContext, change);
					applied[index] = { ...change, result } as unknown as IDataObject;
				} catch (error) {
					if (error instanceof Error && appliedThenFailed.has(error))
						applied[index] = { ...change, result: {} } as unknown as IDataObject;
					recordFailure(index, error);
				}
			}
		};
		await Promise.all(Array.from({ length: Math.min(concurrency, indexes.length) }, worker));
		const { failure } = stop;
		if (failure) throw stoppedAt(context, changes, applied, failure.index, failure.error);
	}
	return applied as IDataObject[];
}
