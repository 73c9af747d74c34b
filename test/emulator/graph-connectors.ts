import {
	applySelect,
	badRequest,
	collectionPage,
	CONNECTOR_TYPE,
	connectorRepresentation,
	contextUrl,
	GraphError,
	json,
	noContent,
	readJsonObject,
	rejectExpand,
	rejectUnknownProperties,
	requireNonEmptyString,
	type GraphRequest,
	type HandlerTable,
	type Route,
} from './graph-common';
import { isPlainObject, type EmulatorResponse } from './http';
import type { ApiConnector, ConnectorAuthentication } from './state';

type ConnectorRouteKind = 'apiConnectors' | 'apiConnector' | 'uploadClientCertificate';
type RequestFor<K extends Route['kind']> = GraphRequest<Extract<Route, { kind: K }>>;

const CONNECTOR_PROPERTIES = ['displayName', 'targetUrl', 'authenticationConfiguration'];
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const CONNECTOR_HANDLERS: HandlerTable<ConnectorRouteKind> = {
	apiConnectors: { GET: listConnectors, POST: createConnector },
	apiConnector: { GET: getConnector, PATCH: updateConnector, DELETE: deleteConnector },
	uploadClientCertificate: { POST: uploadClientCertificate },
};

function listConnectors(request: RequestFor<'apiConnectors'>): EmulatorResponse {
	rejectExpand(request.call, CONNECTOR_TYPE);
	const items = [...request.tenant.connectors.values()].map(connectorRepresentation);
	return collectionPage(items, request, 'identity/apiConnectors', 'identity/apiConnectors');
}

function createConnector(request: RequestFor<'apiConnectors'>): EmulatorResponse {
	const body = readJsonObject(request.call);
	rejectUnknownProperties(body, CONNECTOR_PROPERTIES, CONNECTOR_TYPE);
	const connector = request.tenant.addConnector({
		displayName: requireNonEmptyString(body.displayName, 'displayName'),
		targetUrl: validTargetUrl(body.targetUrl),
		authentication: validAuthentication(body.authenticationConfiguration),
	});
	return json(201, entityBody(request, connector), {
		Location: `${request.call.origin}/${request.version}/identity/apiConnectors/${connector.id}`,
	});
}

function getConnector(request: RequestFor<'apiConnector'>): EmulatorResponse {
	rejectExpand(request.call, CONNECTOR_TYPE);
	return json(200, entityBody(request, requireConnector(request)));
}

function updateConnector(request: RequestFor<'apiConnector'>): EmulatorResponse {
	const connector = requireConnector(request);
	const body = readJsonObject(request.call);
	rejectUnknownProperties(body, CONNECTOR_PROPERTIES, CONNECTOR_TYPE);
	// Validate everything before changing anything, so a rejected PATCH leaves the connector as it was.
	const changes: Partial<ApiConnector> = {};
	if ('displayName' in body) changes.displayName = requireNonEmptyString(body.displayName, 'displayName');
	if ('targetUrl' in body) changes.targetUrl = validTargetUrl(body.targetUrl);
	if ('authenticationConfiguration' in body) changes.authentication = validAuthentication(body.authenticationConfiguration);
	Object.assign(connector, changes);
	return noContent();
}

function deleteConnector(request: RequestFor<'apiConnector'>): EmulatorResponse {
	request.tenant.deleteConnector(requireConnector(request).id);
	return noContent();
}

/** Replaces the connector's authentication with the uploaded PKCS 12 certificate (minimal: not parsed). */
function uploadClientCertificate(request: RequestFor<'uploadClientCertificate'>): EmulatorResponse {
	const connector = requireConnector(request);
	const body = readJsonObject(request.call);
	rejectUnknownProperties(body, ['pkcs12Value', 'password'], 'microsoft.graph.identityApiConnector.uploadClientCertificate');
	connector.authentication = validPkcs12(body);
	return json(200, entityBody(request, connector));
}

function entityBody(request: GraphRequest, connector: ApiConnector): Record<string, unknown> {
	return {
		'@odata.context': contextUrl(request.version, 'identity/apiConnectors/$entity'),
		...applySelect(connectorRepresentation(connector), request.call),
	};
}

function requireConnector(request: RequestFor<'apiConnector' | 'uploadClientCertificate'>): ApiConnector {
	const connector = request.tenant.connector(request.route.connectorId);
	if (!connector) {
		throw new GraphError(
			404,
			'ResourceNotFound',
			`Resource '${request.route.connectorId}' does not exist or one of its queried reference-property objects are not present.`,
		);
	}
	return connector;
}

function validTargetUrl(value: unknown): string {
	const targetUrl = requireNonEmptyString(value, 'targetUrl');
	if (!URL.canParse(targetUrl) || new URL(targetUrl).protocol !== 'https:') {
		throw badRequest(`The targetUrl '${targetUrl}' must be an absolute https:// URL.`);
	}
	return targetUrl;
}

/** basicAuthentication {username, password} or pkcs12Certificate {pkcs12Value, password}; '#' before the type is optional. */
function validAuthentication(value: unknown): ConnectorAuthentication {
	if (!isPlainObject(value)) {
		throw badRequest("The property 'authenticationConfiguration' is required: an object with '@odata.type' #microsoft.graph.basicAuthentication or #microsoft.graph.pkcs12Certificate.");
	}
	const type = String(value['@odata.type'] ?? '').replace(/^#/, '');
	if (type === 'microsoft.graph.basicAuthentication') {
		rejectUnknownProperties(value, ['username', 'password'], type);
		return { type: 'basic', username: requireNonEmptyString(value.username, 'username'), password: requireNonEmptyString(value.password, 'password') };
	}
	if (type === 'microsoft.graph.pkcs12Certificate') {
		rejectUnknownProperties(value, ['pkcs12Value', 'password'], type);
		return validPkcs12(value);
	}
	throw badRequest(
		`The authenticationConfiguration '@odata.type' '${type}' cannot be written; use #microsoft.graph.basicAuthentication or #microsoft.graph.pkcs12Certificate.`,
	);
}

/** The password may be '' (a .pfx without one), but it must be sent. */
function validPkcs12(value: Record<string, unknown>): ConnectorAuthentication {
	const pkcs12Value = requireNonEmptyString(value.pkcs12Value, 'pkcs12Value');
	if (!BASE64.test(pkcs12Value)) throw badRequest("The property 'pkcs12Value' must be the base64 of a .pfx file.");
	if (typeof value.password !== 'string') throw badRequest("The property 'password' is required: the .pfx password, or '' if it has none.");
	return { type: 'pkcs12', pkcs12Value, password: value.password };
}
