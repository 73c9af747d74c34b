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
import { readPkcs12Certificate } from './pkcs12';
import type { ApiConnector, CertificateDetails, ConnectorAuthentication, Tenant } from './state';

type ConnectorRouteKind = 'apiConnectors' | 'apiConnector' | 'uploadClientCertificate';
type RequestFor<K extends Route['kind']> = GraphRequest<Extract<Route, { kind: K }>>;

const CONNECTOR_PROPERTIES = ['displayName', 'targetUrl', 'authenticationConfiguration'];

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
		authentication: validAuthentication(body.authenticationConfiguration, request.tenant),
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
	if ('displayName' in body)
		changes.displayName = requireNonEmptyString(body.displayName, 'displayName');
	if ('targetUrl' in body) changes.targetUrl = validTargetUrl(body.targetUrl);
	if ('authenticationConfiguration' in body)
		changes.authentication = validAuthentication(body.authenticationConfiguration, request.tenant);
	Object.assign(connector, changes);
	return noContent();
}

function deleteConnector(request: RequestFor<'apiConnector'>): EmulatorResponse {
	request.tenant.deleteConnector(requireConnector(request).id);
	return noContent();
}

/**
 * Appends the uploaded certificate to the connector's list: Microsoft documents a list in which the most
 * recent valid upload is the active one, so earlier certificates stay until they expire.
 */
function uploadClientCertificate(request: RequestFor<'uploadClientCertificate'>): EmulatorResponse {
	const connector = requireConnector(request);
	const body = readJsonObject(request.call);
	rejectUnknownProperties(
		body,
		['pkcs12Value', 'password'],
		'microsoft.graph.identityApiConnector.uploadClientCertificate',
	);
	const certificate = request.tenant.certificateUploaded(validPkcs12(body));
	if (connector.authentication.type === 'clientCertificate') {
		connector.authentication.certificates.push(certificate);
	} else {
		// Assumed: uploading to a basic-auth connector switches it to certificate authentication.
		connector.authentication = { type: 'clientCertificate', certificates: [certificate] };
	}
	return json(200, entityBody(request, connector));
}

function entityBody(request: GraphRequest, connector: ApiConnector): Record<string, unknown> {
	return {
		'@odata.context': contextUrl(request.version, 'identity/apiConnectors/$entity'),
		...applySelect(connectorRepresentation(connector), request.call),
	};
}

function requireConnector(
	request: RequestFor<'apiConnector' | 'uploadClientCertificate'>,
): ApiConnector {
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

/**
 * basicAuthentication {username, password} or pkcs12Certificate {pkcs12Value, password}; '#' before the type
 * is optional. Assumed: a pkcs12Certificate, at creation or in a PATCH, makes a list of that one certificate
 * (a PATCH replaces the list; uploadClientCertificate is the documented way to add one).
 */
function validAuthentication(value: unknown, tenant: Tenant): ConnectorAuthentication {
	if (!isPlainObject(value)) {
		throw badRequest(
			"The property 'authenticationConfiguration' is required: an object with '@odata.type' #microsoft.graph.basicAuthentication or #microsoft.graph.pkcs12Certificate.",
		);
	}
	const type = String(value['@odata.type'] ?? '').replace(/^#/, '');
	if (type === 'microsoft.graph.basicAuthentication') {
		rejectUnknownProperties(value, ['username', 'password'], type);
		return {
			type: 'basic',
			username: requireNonEmptyString(value.username, 'username'),
			password: requireNonEmptyString(value.password, 'password'),
		};
	}
	if (type === 'microsoft.graph.pkcs12Certificate') {
		rejectUnknownProperties(value, ['pkcs12Value', 'password'], type);
		return {
			type: 'clientCertificate',
			certificates: [tenant.certificateUploaded(validPkcs12(value))],
		};
	}
	throw badRequest(
		`The authenticationConfiguration '@odata.type' '${type}' cannot be written; use #microsoft.graph.basicAuthentication or #microsoft.graph.pkcs12Certificate.`,
	);
}

/** The certificate of {pkcs12Value, password}. The password may be '' (a .pfx without one), but it must be sent. */
function validPkcs12(value: Record<string, unknown>): CertificateDetails {
	const pkcs12Value = requireNonEmptyString(value.pkcs12Value, 'pkcs12Value');
	if (typeof value.password !== 'string')
		throw badRequest(
			"The property 'password' is required: the .pfx password, or '' if it has none.",
		);
	return readPkcs12Certificate(pkcs12Value, value.password);
}
