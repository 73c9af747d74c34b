import { NodeOperationError, type IDataObject, type NodeApiError } from 'n8n-workflow';

import { FLOW_KINDS, type ConnectorStep, type FlowKind } from '../../helpers/flowKinds';
import { flowPath } from '../../helpers/locators';
import { graphPath, type GraphClient } from '../../transport';
import { formatConnector } from '../apiConnector/connector';
import { readConfiguration } from '../apiConnectorConfiguration/steps';
import {
	byText,
	canonicalDocument,
	DOCUMENT_VERSION,
	type ConfigurationDocument,
	type ConnectorAuthenticationEntry,
} from './document';

/*
 * The tenant as Export, Plan and Apply read it: every API connector and every user flow of one kind, with
 * their ids. Two paged lists do it: the connectors, and the flows with their identity providers and each
 * step's connector expanded. Microsoft documents $expand of identityProviders on the flow list and of the
 * apiConnectorConfiguration steps on one flow, not both on the list. Assumed, so every variant is met: a Graph
 * that refuses an expansion on the list (400) is asked again with less (identity providers only, then none),
 * and a flow that comes back without an expansion is read on its own (GET {flow}/apiConnectorConfiguration,
 * GET {flow}/identityProviders). That costs requests, never correctness; `requests` counts them all.
 */

export interface TenantConnector {
	id: string;
	displayName: string;
	targetUrl: string;
	authentication: ConnectorAuthenticationEntry;
}

export interface TenantFlow {
	id: string;
	userFlowType: string;
	userFlowTypeVersion: number;
	identityProviders: string[];
	/** Step → id of the linked connector, or null. */
	apiConnectors: Partial<Record<ConnectorStep, string | null>>;
}

export interface TenantReading {
	kind: FlowKind;
	/** Sorted by id. */
	connectors: TenantConnector[];
	/** Sorted by id. */
	flows: TenantFlow[];
	/** How many requests the reading took (pages included). */
	requests: number;
}

/** A connector as Graph answers it (a list entry, or a POST's answer), as a reading holds it. */
export function connectorOf(
	graph: GraphClient,
	itemIndex: number,
	answer: IDataObject,
): TenantConnector {
	const body = formatConnector(answer);
	const authentication = (body.authenticationConfiguration ?? {}) as IDataObject;
	const type = String(authentication['@odata.type'] ?? '');
	let entry: ConnectorAuthenticationEntry;
	if (type.endsWith('basicAuthentication')) {
		entry = { type: 'basic', username: String(authentication.username ?? '') };
	} else if (type.endsWith('clientCertificateAuthentication')) {
		const list = (authentication.certificateList ?? []) as IDataObject[];
		entry = {
			type: 'clientCertificate',
			certificates: list.map((certificate) => ({
				thumbprint: String(certificate.thumbprint ?? '').toUpperCase(),
				notAfter: certificate.notAfterIso as string | undefined,
			})),
		};
	} else {
		throw new NodeOperationError(
			graph.node,
			`The API connector "${String(body.displayName)}" (${String(body.id)}) has the authentication type "${type.slice(0, 80)}", which a configuration document cannot hold`,
			{ itemIndex, description: 'Documents hold basic and client certificate authentication.' },
		);
	}
	return {
		id: String(body.id).toLowerCase(),
		displayName: String(body.displayName ?? ''),
		targetUrl: String(body.targetUrl ?? ''),
		authentication: entry,
	};
}

function linkedId(connector: unknown): string | null {
	return connector && typeof connector === 'object'
		? String((connector as IDataObject).id ?? '').toLowerCase() || null
		: null;
}

/** What the flow list asks Graph to expand, from the most to nothing. */
function flowListExpansions(kind: FlowKind): string[][] {
	const steps = FLOW_KINDS[kind].steps.map((step) => `apiConnectorConfiguration/${step}`);
	return [['identityProviders', ...steps], ['identityProviders'], []];
}

/** The flow list with as much expanded as Graph takes: each 400 asks again with one expansion less. */
async function listFlows(
	graph: GraphClient,
	itemIndex: number,
	kind: FlowKind,
	counted: () => void,
	[expand, ...fewer]: string[][] = flowListExpansions(kind),
): Promise<IDataObject[]> {
	return await graph
		.requestAllItems(
			{
				method: 'GET',
				path: graphPath`/identity/${FLOW_KINDS[kind].collection}`,
				...(expand.length ? { qs: { $expand: expand.join(',') } } : {}),
				itemIndex,
			},
			undefined,
			counted,
		)
		.catch(async (error: NodeApiError) => {
			if (!fewer.length || error.httpCode !== '400') return await Promise.reject(error);
			counted();
			return await listFlows(graph, itemIndex, kind, counted, fewer);
		});
}

/** Reads the tenant's connectors and the flows of one kind, in as few requests as Graph allows. */
export async function readTenant(
	graph: GraphClient,
	itemIndex: number,
	kind: FlowKind,
): Promise<TenantReading> {
	const { steps } = FLOW_KINDS[kind];
	let requests = 0;
	const counted = () => (requests += 1);
	const [connectorBodies, flowBodies] = await Promise.all([
		graph.requestAllItems(
			{ method: 'GET', path: graphPath`/identity/apiConnectors`, itemIndex },
			undefined,
			counted,
		),
		listFlows(graph, itemIndex, kind, counted),
	]);
	const flows = await Promise.all(
		flowBodies.map(async (body): Promise<TenantFlow> => {
			const target = { kind, flowId: String(body.id) };
			let configuration = body.apiConnectorConfiguration as IDataObject | undefined;
			if (!configuration || typeof configuration !== 'object') {
				counted();
				configuration = await readConfiguration(graph, itemIndex, target);
			}
			let providers = body.identityProviders as IDataObject[] | undefined;
			if (!Array.isArray(providers)) {
				providers = await graph.requestAllItems(
					{ method: 'GET', path: `${flowPath(target)}${graphPath`/identityProviders`}`, itemIndex },
					undefined,
					counted,
				);
			}
			const linked = configuration;
			return {
				id: target.flowId,
				userFlowType: String(body.userFlowType ?? ''),
				userFlowTypeVersion: Number(body.userFlowTypeVersion),
				identityProviders: providers.map((provider) => String(provider.id)).sort(),
				apiConnectors: Object.fromEntries(steps.map((step) => [step, linkedId(linked[step])])),
			};
		}),
	);
	return {
		kind,
		connectors: connectorBodies
			.map((body) => connectorOf(graph, itemIndex, body))
			.sort(byText((connector) => connector.id)),
		flows: flows.sort(byText((flow) => flow.id.toLowerCase())),
		requests,
	};
}

/** Connectors by display name; a name two connectors share is refused where it matters (see callers). */
export function connectorsByName(reading: TenantReading): Map<string, TenantConnector[]> {
	const byName = new Map<string, TenantConnector[]>();
	for (const connector of reading.connectors) {
		byName.set(connector.displayName, [...(byName.get(connector.displayName) ?? []), connector]);
	}
	return byName;
}

/** Two tenant connectors with one display name: a document could not say which one a step means. */
export function sharedNameError(
	graph: GraphClient,
	itemIndex: number,
	name: string,
	connectors: TenantConnector[],
	path: string,
): NodeOperationError {
	return new NodeOperationError(
		graph.node,
		`${path}: ${connectors.length} API connectors in the tenant are named "${name}" (${connectors.map((c) => c.id).join(', ')})`,
		{
			itemIndex,
			description:
				'A configuration document names connectors by display name. Rename all but one of them (API Connector > Update), then run again.',
		},
	);
}

/** The tenant as a document: what Export outputs. */
export function documentOf(
	graph: GraphClient,
	itemIndex: number,
	reading: TenantReading,
): ConfigurationDocument {
	for (const [name, connectors] of connectorsByName(reading)) {
		if (connectors.length > 1) throw sharedNameError(graph, itemIndex, name, connectors, 'Export');
	}
	const nameOf = new Map(reading.connectors.map((c) => [c.id, c.displayName]));
	return canonicalDocument({
		version: DOCUMENT_VERSION,
		flowKind: reading.kind,
		apiConnectors: reading.connectors,
		userFlows: reading.flows.map((flow) => ({
			...flow,
			apiConnectors: Object.fromEntries(
				Object.entries(flow.apiConnectors).map(([step, id]) => {
					if (id === null || id === undefined) return [step, null];
					const name = nameOf.get(id);
					if (name === undefined) {
						throw new NodeOperationError(
							graph.node,
							`The ${step} step of ${flow.id} links the API connector ${id}, which the connector list does not hold`,
							{
								itemIndex,
								description: 'Run again; if it stays so, turn the step off and on again.',
							},
						);
					}
					return [step, name];
				}),
			),
		})),
	});
}
