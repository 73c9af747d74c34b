import { GRAPH_RESOURCES } from './entra';
import {
	applySelect,
	badRequest,
	collectionPage,
	CONNECTOR_CONFIGURATION_TYPE,
	connectorRepresentation,
	contextUrl,
	expandItems,
	FLOW_KINDS,
	flowPath,
	GraphError,
	json,
	missingProperty,
	noContent,
	readJsonObject,
	rejectExpand,
	rejectUnknownProperties,
	USER_FLOW_TYPES,
	type FlowKindSpec,
	type GraphRequest,
	type HandlerTable,
	type Route,
} from './graph-common';
import { decodeSegment, isGuid, isPlainObject, type EmulatorResponse } from './http';
import type { ConnectorStep, Tenant, UserFlow } from './state';

type FlowRouteKind =
	| 'userFlows'
	| 'userFlow'
	| 'userFlowIdentityProviders'
	| 'apiConnectorConfiguration'
	| 'apiConnectorStep'
	| 'apiConnectorStepRef';
type RequestFor<K extends Route['kind']> = GraphRequest<Extract<Route, { kind: K }>>;

const COMMON_FLOW_PROPERTIES = [
	'id',
	'userFlowType',
	'userFlowTypeVersion',
	'identityProviders',
	'apiConnectorConfiguration',
];
/** The user flow id sent to POST, before the prefix; assumed from the portal's naming rules. */
const FLOW_ID_CHARACTERS = /^[A-Za-z0-9_-]+$/;
const LANGUAGE_TAG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

export const FLOW_HANDLERS: HandlerTable<FlowRouteKind> = {
	userFlows: { GET: listUserFlows, POST: createUserFlow },
	userFlow: { GET: getUserFlow, PATCH: updateUserFlow, DELETE: deleteUserFlow },
	userFlowIdentityProviders: { GET: listFlowIdentityProviders },
	apiConnectorConfiguration: { GET: getApiConnectorConfiguration },
	apiConnectorStep: { GET: getApiConnectorStep },
	apiConnectorStepRef: {
		GET: getStepReference,
		PUT: putStepReference,
		DELETE: deleteStepReference,
	},
};

function listUserFlows(request: RequestFor<'userFlows'>): EmulatorResponse {
	const spec = FLOW_KINDS[request.route.flowKind];
	const flows = request.tenant.flowsOfKind(request.route.flowKind);
	const expansions = parseFlowExpand(request, spec);
	const items = flows.map((flow) => ({
		...flowRepresentation(flow),
		...expandFlow(flow, expansions, request.tenant),
	}));
	return collectionPage(
		items,
		request,
		`identity/${spec.collection}`,
		`identity/${spec.collection}`,
	);
}

function getUserFlow(request: RequestFor<'userFlow'>): EmulatorResponse {
	const flow = requireFlow(request);
	const expansions = parseFlowExpand(request, FLOW_KINDS[flow.kind]);
	const entity = { ...flowRepresentation(flow), ...expandFlow(flow, expansions, request.tenant) };
	return json(200, {
		'@odata.context': contextUrl(
			request.version,
			`identity/${FLOW_KINDS[flow.kind].collection}/$entity`,
		),
		...applySelect(entity, request.call),
	});
}

function createUserFlow(request: RequestFor<'userFlows'>): EmulatorResponse {
	const { tenant, call, route } = request;
	const spec = FLOW_KINDS[route.flowKind];
	const body = readJsonObject(call);
	rejectUnknownProperties(
		body,
		[...COMMON_FLOW_PROPERTIES, ...spec.languageProperties],
		spec.typeName,
	);
	const id = prefixedFlowId(body.id, spec);
	const flow: UserFlow = {
		id,
		kind: route.flowKind,
		userFlowType: validUserFlowType(body.userFlowType, spec),
		userFlowTypeVersion: validUserFlowTypeVersion(body.userFlowTypeVersion, spec),
		identityProviderIds: linkedIdentityProviders(body.identityProviders, tenant),
		apiConnectors: connectorsLinkedAtCreation(body.apiConnectorConfiguration, tenant, spec),
		isLanguageCustomizationEnabled:
			optionalBoolean(body.isLanguageCustomizationEnabled, 'isLanguageCustomizationEnabled') ??
			false,
		defaultLanguageTag: optionalLanguageTag(body.defaultLanguageTag) ?? null,
	};
	// Assumed code and wording: Microsoft does not document the duplicate-id error.
	if (tenant.userFlow(route.flowKind, id))
		throw new GraphError(409, 'Conflict', `A user flow with the id '${id}' already exists.`);
	tenant.addUserFlow(flow);
	return json(
		201,
		{
			'@odata.context': contextUrl(request.version, `identity/${spec.collection}/$entity`),
			...flowRepresentation(flow),
		},
		{ Location: `${call.origin}/${request.version}/${flowPath(flow)}` },
	);
}

/** Only the B2C language settings can change; the other properties are fixed once the flow exists (assumed). */
function updateUserFlow(request: RequestFor<'userFlow'>): EmulatorResponse {
	const flow = requireFlow(request);
	const spec = FLOW_KINDS[flow.kind];
	const body = readJsonObject(request.call);
	rejectUnknownProperties(
		body,
		[...COMMON_FLOW_PROPERTIES, ...spec.languageProperties],
		spec.typeName,
	);
	const fixed = Object.keys(body).find((key) => COMMON_FLOW_PROPERTIES.includes(key));
	if (fixed !== undefined)
		throw badRequest(`The property '${fixed}' of a user flow cannot be changed with PATCH.`);
	flow.isLanguageCustomizationEnabled =
		optionalBoolean(body.isLanguageCustomizationEnabled, 'isLanguageCustomizationEnabled') ??
		flow.isLanguageCustomizationEnabled;
	flow.defaultLanguageTag =
		'defaultLanguageTag' in body
			? (optionalLanguageTag(body.defaultLanguageTag) ?? null)
			: flow.defaultLanguageTag;
	return noContent();
}

function deleteUserFlow(request: RequestFor<'userFlow'>): EmulatorResponse {
	request.tenant.deleteUserFlow(requireFlow(request).id);
	return noContent();
}

function listFlowIdentityProviders(
	request: RequestFor<'userFlowIdentityProviders'>,
): EmulatorResponse {
	const flow = requireFlow(request);
	rejectExpand(request.call, 'microsoft.graph.identityProvider');
	return json(200, {
		'@odata.context': contextUrl(request.version, `${flowPath(flow)}/identityProviders`),
		value: identityProvidersOf(flow, request.tenant).map((provider) =>
			applySelect({ ...provider }, request.call),
		),
	});
}

function getApiConnectorConfiguration(
	request: RequestFor<'apiConnectorConfiguration'>,
): EmulatorResponse {
	const flow = requireFlow(request);
	const steps = parseStepExpand(
		expandItems(request.call),
		FLOW_KINDS[flow.kind],
		CONNECTOR_CONFIGURATION_TYPE,
	);
	const configurationPath = `${flowPath(flow)}/apiConnectorConfiguration`;
	const selection = steps.length > 0 ? `(${steps.map((step) => `${step}()`).join(',')})` : '';
	const body: Record<string, unknown> = {
		'@odata.context': contextUrl(request.version, configurationPath + selection),
	};
	for (const step of steps) {
		body[`${step}@odata.context`] = contextUrl(
			request.version,
			`${configurationPath}/${CONNECTOR_CONFIGURATION_TYPE}/${step}/$entity`,
		);
		body[step] = linkedConnector(flow, step, request.tenant) ?? null;
	}
	return json(200, body);
}

/** Assumed: an unlinked step answers 404 (plain OData would answer 204 for a null navigation property). */
function getApiConnectorStep(request: RequestFor<'apiConnectorStep'>): EmulatorResponse {
	const flow = requireFlow(request);
	const step = request.route.step;
	rejectExpand(request.call, 'microsoft.graph.identityApiConnector');
	const connector = linkedConnector(flow, step, request.tenant);
	if (!connector) throw stepNotLinked(flow, step);
	return json(200, {
		'@odata.context': contextUrl(
			request.version,
			`${flowPath(flow)}/apiConnectorConfiguration/${step}/$entity`,
		),
		...applySelect(connector, request.call),
	});
}

function getStepReference(request: RequestFor<'apiConnectorStepRef'>): EmulatorResponse {
	const flow = requireFlow(request);
	const connectorId = flow.apiConnectors[request.route.step];
	if (connectorId === undefined) throw stepNotLinked(flow, request.route.step);
	return json(200, {
		'@odata.context': contextUrl(request.version, '$ref'),
		'@odata.id': `${GRAPH_RESOURCES[0]}/${request.version}/identity/apiConnectors/${connectorId}`,
	});
}

/** {"@odata.id": "<connector URL>"} links the step; {} unlinks it (Microsoft's documented way to disable). */
function putStepReference(request: RequestFor<'apiConnectorStepRef'>): EmulatorResponse {
	const flow = requireFlow(request);
	const body = readJsonObject(request.call);
	const unexpected = Object.keys(body).find((key) => key !== '@odata.id' && key !== '@odata.type');
	if (unexpected !== undefined) {
		throw badRequest(
			`A reference body is {"@odata.id": "<API connector URL>"} to link, or {} to unlink; '${unexpected}' is not expected.`,
		);
	}
	if (body['@odata.id'] === undefined) {
		delete flow.apiConnectors[request.route.step];
	} else {
		flow.apiConnectors[request.route.step] = referencedConnectorId(body['@odata.id'], request);
	}
	return noContent();
}

function deleteStepReference(request: RequestFor<'apiConnectorStepRef'>): EmulatorResponse {
	delete requireFlow(request).apiConnectors[request.route.step];
	return noContent();
}

/**
 * The connector an @odata.id names. Assumed: Graph takes an absolute URL on its own host of any cloud (the
 * emulator also takes its own origins) whose path ends with /identity/apiConnectors/{id}, whatever the version.
 */
function referencedConnectorId(
	reference: unknown,
	request: RequestFor<'apiConnectorStepRef'>,
): string {
	const url =
		typeof reference === 'string' && URL.canParse(reference) ? new URL(reference) : undefined;
	if (!url) throw badRequest(`The @odata.id '${String(reference)}' is not an absolute URL.`);
	const origins = [...GRAPH_RESOURCES, ...request.ownOrigins];
	if (!origins.includes(url.origin.toLowerCase())) {
		throw badRequest(
			`The @odata.id '${reference}' does not point to Microsoft Graph (${origins.join(', ')}).`,
		);
	}
	const idSegment = /\/identity\/apiConnectors\/([^/]+)$/i.exec(url.pathname)?.[1];
	const connectorId = idSegment === undefined ? undefined : decodeSegment(idSegment);
	if (connectorId === undefined) {
		throw badRequest(`The @odata.id '${reference}' must end with /identity/apiConnectors/{id}.`);
	}
	if (!isGuid(connectorId)) throw badRequest(`Invalid object identifier '${connectorId}'.`);
	const connector = request.tenant.connector(connectorId);
	if (!connector)
		throw badRequest(`The API connector '${connectorId}' referenced by @odata.id does not exist.`);
	return connector.id;
}

function requireFlow(request: GraphRequest<Extract<Route, { flowId: string }>>): UserFlow {
	const flow = request.tenant.userFlow(request.route.flowKind, request.route.flowId);
	// Assumed code and wording: Microsoft does not document the missing-flow error.
	if (!flow)
		throw new GraphError(
			404,
			'ResourceNotFound',
			`The user flow '${request.route.flowId}' was not found.`,
		);
	return flow;
}

function stepNotLinked(flow: UserFlow, step: ConnectorStep): GraphError {
	return new GraphError(
		404,
		'ResourceNotFound',
		`No API connector is linked to the step '${step}' of the user flow '${flow.id}'.`,
	);
}

function flowRepresentation(flow: UserFlow): Record<string, unknown> {
	const common = {
		id: flow.id,
		userFlowType: flow.userFlowType,
		userFlowTypeVersion: flow.userFlowTypeVersion,
	};
	if (flow.kind === 'b2x') return common;
	return {
		...common,
		isLanguageCustomizationEnabled: flow.isLanguageCustomizationEnabled,
		defaultLanguageTag: flow.defaultLanguageTag,
	};
}

function identityProvidersOf(flow: UserFlow, tenant: Tenant): Record<string, unknown>[] {
	return flow.identityProviderIds.flatMap((id) => {
		const provider = tenant.identityProvider(id);
		return provider ? [{ ...provider }] : [];
	});
}

function linkedConnector(
	flow: UserFlow,
	step: ConnectorStep,
	tenant: Tenant,
): Record<string, unknown> | undefined {
	const connectorId = flow.apiConnectors[step];
	const connector = connectorId === undefined ? undefined : tenant.connector(connectorId);
	return connector && connectorRepresentation(connector);
}

interface FlowExpansions {
	identityProviders: boolean;
	steps: ConnectorStep[];
}

/**
 * $expand on a flow: identityProviders, and the steps of apiConnectorConfiguration as
 * 'apiConnectorConfiguration/<step>'. The configuration itself is a complex property that Microsoft says can
 * only be read through its own URL, so expanding it bare is refused (assumed wording).
 */
function parseFlowExpand(request: GraphRequest, spec: FlowKindSpec): FlowExpansions {
	const expansions: FlowExpansions = { identityProviders: false, steps: [] };
	for (const item of expandItems(request.call)) {
		const [property, ...path] = item.split('/');
		if (property === 'identityProviders' && path.length === 0) {
			expansions.identityProviders = true;
		} else if (property === 'apiConnectorConfiguration' && path.length > 0) {
			expansions.steps.push(
				...parseStepExpand([path.join('/')], spec, CONNECTOR_CONFIGURATION_TYPE),
			);
		} else if (property === 'apiConnectorConfiguration') {
			throw badRequest(
				"The complex property 'apiConnectorConfiguration' cannot be expanded itself; expand its steps, e.g. apiConnectorConfiguration/postFederationSignup.",
			);
		} else {
			throw missingProperty(property, spec.typeName);
		}
	}
	return expansions;
}

function expandFlow(
	flow: UserFlow,
	expansions: FlowExpansions,
	tenant: Tenant,
): Record<string, unknown> {
	const expanded: Record<string, unknown> = {};
	if (expansions.identityProviders) expanded.identityProviders = identityProvidersOf(flow, tenant);
	if (expansions.steps.length > 0) {
		expanded.apiConnectorConfiguration = Object.fromEntries(
			expansions.steps.map((step) => [step, linkedConnector(flow, step, tenant) ?? null]),
		);
	}
	return expanded;
}

/** The steps named by $expand items ('*' for all); anything else is not a property of the configuration. */
function parseStepExpand(items: string[], spec: FlowKindSpec, typeName: string): ConnectorStep[] {
	const steps = items.flatMap((item) => (item === '*' ? [...spec.steps] : [item]));
	const unknown = steps.find((step) => !(spec.steps as readonly string[]).includes(step));
	if (unknown !== undefined) throw missingProperty(unknown, typeName);
	return [...new Set(steps as ConnectorStep[])];
}

function prefixedFlowId(value: unknown, spec: FlowKindSpec): string {
	if (value === undefined || value === null || value === '')
		throw badRequest("The property 'id' is required: the name of the user flow.");
	if (typeof value !== 'string' || !FLOW_ID_CHARACTERS.test(value)) {
		throw badRequest(
			`The user flow id '${String(value)}' is not valid: use only letters, digits, '_' and '-'.`,
		);
	}
	const hasPrefix = value.toLowerCase().startsWith(spec.prefix.toLowerCase());
	return hasPrefix && !spec.prefixEvenIfPresent ? value : `${spec.prefix}${value}`;
}

function validUserFlowType(value: unknown, spec: FlowKindSpec): string {
	if (value === undefined || value === null)
		throw badRequest("The property 'userFlowType' is required.");
	if (typeof value !== 'string' || !USER_FLOW_TYPES.includes(value)) {
		throw badRequest(
			`Cannot convert the literal '${String(value)}' to the expected type 'microsoft.graph.userFlowType'.`,
		);
	}
	if (!spec.userFlowTypes.includes(value)) {
		throw badRequest(
			`The userFlowType '${value}' is not supported by ${spec.collection}; use ${spec.userFlowTypes.map((type) => `'${type}'`).join(', ')}.`,
		);
	}
	return value;
}

function validUserFlowTypeVersion(value: unknown, spec: FlowKindSpec): number {
	if (value === undefined || value === null)
		throw badRequest("The property 'userFlowTypeVersion' is required.");
	if (typeof value !== 'number' || !spec.userFlowTypeVersions.includes(value)) {
		throw badRequest(
			`The userFlowTypeVersion '${String(value)}' is not valid for ${spec.collection}; use ${spec.userFlowTypeVersions.join(', ')}.`,
		);
	}
	return value;
}

/** identityProviders: [{id, type?, name?}] naming the tenant's providers. */
function linkedIdentityProviders(value: unknown, tenant: Tenant): string[] {
	if (value === undefined || value === null) return [];
	if (!Array.isArray(value))
		throw badRequest(
			'The property \'identityProviders\' must be an array of {"id": "<identity provider id>"}.',
		);
	return value.map((item: unknown) => {
		const id = isPlainObject(item) ? item.id : undefined;
		if (typeof id !== 'string')
			throw badRequest('Each identity provider must be an object with a string id.');
		const provider = tenant.identityProvider(id);
		if (!provider) throw badRequest(`The identity provider '${id}' does not exist in the tenant.`);
		return provider.id;
	});
}

/**
 * apiConnectorConfiguration in the body of POST. Users report that {"id": "<connector id>"} links the
 * connector while {"@odata.id": "<url>"}, the form Microsoft's example uses, is accepted and silently not
 * linked: the emulator does the same, so clients must link with PUT .../$ref or check afterwards.
 */
function connectorsLinkedAtCreation(
	value: unknown,
	tenant: Tenant,
	spec: FlowKindSpec,
): UserFlow['apiConnectors'] {
	if (value === undefined || value === null) return {};
	if (!isPlainObject(value))
		throw badRequest("The property 'apiConnectorConfiguration' must be an object.");
	rejectUnknownProperties(value, spec.steps, CONNECTOR_CONFIGURATION_TYPE);
	const linked: UserFlow['apiConnectors'] = {};
	for (const step of spec.steps) {
		const connectorId = connectorIdAtCreation(value[step], step, tenant);
		if (connectorId !== undefined) linked[step] = connectorId;
	}
	return linked;
}

function connectorIdAtCreation(
	value: unknown,
	step: ConnectorStep,
	tenant: Tenant,
): string | undefined {
	if (value === undefined || value === null) return undefined;
	if (isPlainObject(value) && typeof value.id === 'string') {
		const connector = isGuid(value.id) ? tenant.connector(value.id) : undefined;
		if (!connector)
			throw badRequest(
				`The API connector '${value.id}' given for the step '${step}' does not exist.`,
			);
		return connector.id;
	}
	if (isPlainObject(value) && Object.keys(value).every((key) => key === '@odata.id'))
		return undefined;
	throw badRequest(`The step '${step}' must be {"id": "<API connector id>"}.`);
}

function optionalBoolean(value: unknown, name: string): boolean | undefined {
	if (value === undefined) return undefined;
	if (typeof value !== 'boolean') throw badRequest(`The property '${name}' must be true or false.`);
	return value;
}

/** An RFC 5646 tag such as 'en' or 'en-US' (the check is a simplification of the RFC's grammar). */
function optionalLanguageTag(value: unknown): string | null | undefined {
	if (value === undefined || value === null) return value;
	if (typeof value !== 'string' || !LANGUAGE_TAG.test(value)) {
		throw badRequest(
			`The defaultLanguageTag '${String(value)}' is not a language tag such as 'en' or 'en-US'.`,
		);
	}
	return value;
}
