import { createHash } from 'node:crypto';

import { NodeOperationError, type IDataObject } from 'n8n-workflow';

import type { ConnectorStep } from '../../helpers/flowKinds';
import type { GraphClient } from '../../transport';
import {
	byText,
	canonicalJson,
	type ConfigurationDocument,
	type ConnectorAuthenticationEntry,
	type ConnectorEntry,
} from './document';
import {
	connectorsByName,
	sharedNameError,
	type TenantConnector,
	type TenantReading,
} from './tenant';

/*
 * Plan: what must change for the tenant to match the document, in the order Apply makes the changes.
 * Connectors exist before a step links them; a step is unlinked before its connector is deleted.
 */

export const CHANGE_ORDER = [
	'createConnector',
	'updateConnector',
	'uploadCertificate',
	'createFlow',
	'linkStep',
	'unlinkStep',
	'deleteFlow',
	'deleteConnector',
] as const;

export type ChangeKind = (typeof CHANGE_ORDER)[number];

/** What a change needs from the Connector Secrets parameter: never in the plan itself. */
export type SecretNeed = 'password' | 'pfx';

export interface Change {
	kind: ChangeKind;
	/** The connector's display name (connector changes, and the connector a step links). */
	apiConnector?: string;
	/** The tenant's id of the connector, when it exists. */
	apiConnectorId?: string;
	userFlowId?: string;
	step?: ConnectorStep;
	before: IDataObject | null;
	after: IDataObject | null;
	needs?: SecretNeed;
}

/** A difference this node does not change in place (see README, Configuration as code). */
export interface Unchangeable {
	userFlowId: string;
	field: 'userFlowType' | 'userFlowTypeVersion' | 'identityProviders';
	tenant: unknown;
	document: unknown;
}

export interface PlanOptions {
	prune: boolean;
	setPasswords: boolean;
}

export interface Plan {
	changes: Change[];
	unchangeable: Unchangeable[];
	/** Basic connectors whose password Graph masks: compared never, set only with Set Passwords. */
	passwords: { notCompared: string[]; set: string[] };
	fingerprint: string;
}

/**
 * sha256 of what was read (ids included, so a connector deleted and re-created under its name counts as a
 * change) and what was asked (the canonical document and the options).
 */
export function fingerprintOf(
	reading: TenantReading,
	desired: ConfigurationDocument,
	options: PlanOptions,
): string {
	const read = { kind: reading.kind, connectors: reading.connectors, flows: reading.flows };
	const text = canonicalJson({ read, desired, options: { ...options } });
	return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** A connector's settings as a change shows them before and after: never a password. */
function connectorView(connector: {
	targetUrl: string;
	authentication: ConnectorAuthenticationEntry;
}): IDataObject {
	return {
		targetUrl: connector.targetUrl,
		authentication: connector.authentication as unknown as IDataObject,
	};
}

function missingCertificates(desired: ConnectorEntry, existing?: TenantConnector): string[] {
	if (desired.authentication.type !== 'clientCertificate') return [];
	const present = new Set(
		existing?.authentication.type === 'clientCertificate'
			? existing.authentication.certificates.map((c) => c.thumbprint)
			: [],
	);
	return desired.authentication.certificates
		.map((c) => c.thumbprint)
		.filter((thumbprint) => !present.has(thumbprint));
}

export function makePlan(
	graph: GraphClient,
	itemIndex: number,
	reading: TenantReading,
	desired: ConfigurationDocument,
	options: PlanOptions,
): Plan {
	const byName = connectorsByName(reading);
	const nameOfId = new Map(reading.connectors.map((c) => [c.id, c.displayName]));
	const changes: Change[] = [];
	const passwords = { notCompared: [] as string[], set: [] as string[] };

	desired.apiConnectors.forEach((connector, index) => {
		const name = connector.displayName;
		const matches = byName.get(name) ?? [];
		if (matches.length > 1)
			throw sharedNameError(graph, itemIndex, name, matches, `$.apiConnectors[${index}]`);
		const existing = matches[0];
		const missing = missingCertificates(connector, existing);
		if (missing.length > 1) {
			throw new NodeOperationError(
				graph.node,
				`$.apiConnectors[${index}].authentication.certificates: ${missing.length} certificates of "${name}" are not in the tenant (${missing.join(', ')}); one Apply uploads one`,
				{
					itemIndex,
					description:
						'Connector Secrets give one .pfx per connector. List the certificates already uploaded and the one new certificate.',
				},
			);
		}
		if (!existing) {
			changes.push({
				kind: 'createConnector',
				apiConnector: name,
				before: null,
				after: connectorView(connector),
				needs: connector.authentication.type === 'basic' ? 'password' : 'pfx',
			});
			return;
		}
		const base = { apiConnector: name, apiConnectorId: existing.id };
		const wanted = connector.authentication;
		const current = existing.authentication;
		const update: IDataObject = {};
		let needs: SecretNeed | undefined;
		if (existing.targetUrl !== connector.targetUrl) update.targetUrl = connector.targetUrl;
		if (wanted.type === 'basic') {
			const sameUser = current.type === 'basic' && current.username === wanted.username;
			if (!sameUser || options.setPasswords) {
				update.authentication = {
					type: 'basic',
					username: wanted.username,
					password: 'from Connector Secrets',
				};
				needs = 'password';
			}
			if (sameUser) (options.setPasswords ? passwords.set : passwords.notCompared).push(name);
		} else if (current.type !== 'clientCertificate') {
			update.authentication = {
				type: 'clientCertificate',
				certificates: missing.map((thumbprint) => ({ thumbprint })),
			};
			needs = 'pfx';
		}
		if (Object.keys(update).length) {
			changes.push({
				kind: 'updateConnector',
				...base,
				before: connectorView(existing),
				after: { ...connectorView(connector), ...update },
				...(needs ? { needs } : {}),
			});
		}
		// A switch to certificates uploads through the update; otherwise the missing one is uploaded.
		if (missing.length && current.type === 'clientCertificate') {
			changes.push({
				kind: 'uploadCertificate',
				...base,
				before: { certificates: current.certificates.map((c) => c.thumbprint) },
				after: {
					certificates: [...current.certificates.map((c) => c.thumbprint), ...missing],
				},
				needs: 'pfx',
			});
		}
	});

	const unchangeable: Unchangeable[] = [];
	const tenantFlows = new Map(reading.flows.map((flow) => [flow.id.toLowerCase(), flow]));
	const connectorIdOf = (name: string) => byName.get(name)?.[0]?.id;
	for (const flow of desired.userFlows) {
		const existing = tenantFlows.get(flow.id.toLowerCase());
		const userFlowId = existing?.id ?? flow.id;
		if (!existing) {
			changes.push({
				kind: 'createFlow',
				userFlowId,
				before: null,
				after: {
					userFlowType: flow.userFlowType,
					userFlowTypeVersion: flow.userFlowTypeVersion,
					identityProviders: flow.identityProviders ?? null,
				},
			});
		} else {
			const fields = ['userFlowType', 'userFlowTypeVersion', 'identityProviders'] as const;
			for (const field of fields) {
				const wanted = flow[field];
				if (wanted !== undefined && canonicalJson(wanted) !== canonicalJson(existing[field]))
					unchangeable.push({ userFlowId, field, tenant: existing[field], document: wanted });
			}
		}
		for (const [step, name] of Object.entries(flow.apiConnectors) as Array<
			[ConnectorStep, string | null]
		>) {
			const linkedId = existing?.apiConnectors[step] ?? null;
			const linkedName = linkedId === null ? null : (nameOfId.get(linkedId) ?? linkedId);
			const before =
				linkedId === null ? null : { apiConnector: linkedName, apiConnectorId: linkedId };
			if (name === null) {
				if (linkedId !== null)
					changes.push({ kind: 'unlinkStep', userFlowId, step, before, after: null });
				continue;
			}
			const wantedId = connectorIdOf(name);
			if (wantedId !== undefined && wantedId === linkedId) continue;
			changes.push({
				kind: 'linkStep',
				userFlowId,
				step,
				apiConnector: name,
				...(wantedId ? { apiConnectorId: wantedId } : {}),
				before,
				after: { apiConnector: name, apiConnectorId: wantedId ?? null },
			});
		}
	}

	if (options.prune) {
		const namedFlows = new Set(desired.userFlows.map((flow) => flow.id.toLowerCase()));
		for (const flow of reading.flows) {
			if (!namedFlows.has(flow.id.toLowerCase()))
				changes.push({
					kind: 'deleteFlow',
					userFlowId: flow.id,
					before: {
						userFlowType: flow.userFlowType,
						userFlowTypeVersion: flow.userFlowTypeVersion,
					},
					after: null,
				});
		}
		const namedConnectors = new Set(desired.apiConnectors.map((c) => c.displayName));
		for (const connector of reading.connectors) {
			if (!namedConnectors.has(connector.displayName))
				changes.push({
					kind: 'deleteConnector',
					apiConnector: connector.displayName,
					apiConnectorId: connector.id,
					before: connectorView(connector),
					after: null,
				});
		}
	}

	const order = (change: Change) => CHANGE_ORDER.indexOf(change.kind);
	// Within a kind: by flow and step (flow changes), by connector name and id (connector changes).
	const key = (change: Change) =>
		[
			change.userFlowId?.toLowerCase() ?? '',
			change.step ?? '',
			change.apiConnector ?? '',
			change.apiConnectorId ?? '',
		].join('\u0000');
	changes.sort((a, b) => order(a) - order(b) || byText(key)(a, b));
	return {
		changes,
		unchangeable,
		passwords: { notCompared: passwords.notCompared.sort(), set: passwords.set.sort() },
		fingerprint: fingerprintOf(reading, desired, options),
	};
}

/** Counts per kind of change, every kind present (0 included), and the total. */
export function summaryOf(changes: Change[]): IDataObject {
	const summary: IDataObject = Object.fromEntries(CHANGE_ORDER.map((kind) => [kind, 0]));
	for (const change of changes) summary[change.kind] = Number(summary[change.kind]) + 1;
	summary.total = changes.length;
	return summary;
}
