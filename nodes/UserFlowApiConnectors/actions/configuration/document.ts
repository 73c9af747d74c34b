import { NodeOperationError, type IExecuteFunctions } from 'n8n-workflow';

import type { GraphVersion } from '../../../../credentials/entra';
import { FLOW_KINDS, type ConnectorStep, type FlowKind } from '../../helpers/flowKinds';
import { requireExistingFlowId, requireFlowKind, requireStep } from '../../helpers/validation';
import { requireTargetUrl } from '../apiConnector/connector';
import { requireFlowType, requireFlowTypeVersion } from '../userFlow/newFlow';

/*
 * The configuration document: what Export writes and Plan takes. Every object is built here with its keys
 * in one fixed order and every list sorted, so that the same tenant always gives the same text and a
 * document kept in Git diffs line by line. Connectors are named by display name, never by id, so that a
 * document read from one tenant applies to another.
 */

export const DOCUMENT_VERSION = 1;

export interface CertificateEntry {
	/** Upper-case hex SHA-1 of the certificate, as Graph shows it. */
	thumbprint: string;
	/** ISO date; informative, Plan compares thumbprints only. */
	notAfter?: string;
}

export type ConnectorAuthenticationEntry =
	| { type: 'basic'; username: string }
	| { type: 'clientCertificate'; certificates: CertificateEntry[] };

export interface ConnectorEntry {
	displayName: string;
	targetUrl: string;
	authentication: ConnectorAuthenticationEntry;
}

export interface FlowEntry {
	/** With its prefix (B2X_1_ or B2C_1_). */
	id: string;
	userFlowType: string;
	userFlowTypeVersion: number;
	/** Identity provider ids; undefined in a desired document: not managed. */
	identityProviders?: string[];
	/** Every step of the flow kind: the connector's display name, or null when the step is off. */
	apiConnectors: Partial<Record<ConnectorStep, string | null>>;
}

export interface ConfigurationDocument {
	version: typeof DOCUMENT_VERSION;
	flowKind: FlowKind;
	apiConnectors: ConnectorEntry[];
	userFlows: FlowEntry[];
}

/** Plain code-unit order: the same on every machine, whatever its locale. */
export function byText<T>(key: (value: T) => string): (a: T, b: T) => number {
	return (a, b) => {
		const [x, y] = [key(a), key(b)];
		return x < y ? -1 : x > y ? 1 : 0;
	};
}

function authenticationEntry(
	authentication: ConnectorAuthenticationEntry,
): ConnectorAuthenticationEntry {
	if (authentication.type === 'basic') return { type: 'basic', username: authentication.username };
	return {
		type: 'clientCertificate',
		certificates: authentication.certificates
			.map(({ thumbprint, notAfter }) =>
				notAfter === undefined ? { thumbprint } : { thumbprint, notAfter },
			)
			.sort(byText((certificate) => certificate.thumbprint)),
	};
}

/** The document with its keys in the fixed order and its lists sorted: what Export outputs and Plan compares. */
export function canonicalDocument(document: ConfigurationDocument): ConfigurationDocument {
	const { steps } = FLOW_KINDS[document.flowKind];
	return {
		version: DOCUMENT_VERSION,
		flowKind: document.flowKind,
		apiConnectors: document.apiConnectors
			.map(({ displayName, targetUrl, authentication }) => ({
				displayName,
				targetUrl,
				authentication: authenticationEntry(authentication),
			}))
			.sort(byText((connector) => connector.displayName)),
		userFlows: document.userFlows
			.map(
				(flow): FlowEntry => ({
					id: flow.id,
					userFlowType: flow.userFlowType,
					userFlowTypeVersion: flow.userFlowTypeVersion,
					...(flow.identityProviders
						? { identityProviders: [...flow.identityProviders].sort() }
						: {}),
					// Every step of the kind, null when off: a missing step in a desired document means off.
					apiConnectors: Object.fromEntries(
						steps.map((step) => [step, flow.apiConnectors[step] ?? null]),
					),
				}),
			)
			.sort(byText((flow) => flow.id)),
	};
}

/** JSON with every object's keys sorted: the form a fingerprint is taken of. */
export function canonicalJson(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
	if (value !== null && typeof value === 'object') {
		const entries = Object.entries(value as Record<string, unknown>)
			.filter(([, entry]) => entry !== undefined)
			.sort(byText(([key]) => key));
		return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`).join(',')}}`;
	}
	return JSON.stringify(value);
}

/* Validation of a desired document, before any request: every error names the JSON path of what is wrong. */

type Json = Record<string, unknown>;

class DocumentReader {
	constructor(
		private readonly context: IExecuteFunctions,
		private readonly itemIndex: number,
		private readonly root: string,
	) {}

	fail(path: string, message: string, description?: string): never {
		throw new NodeOperationError(
			this.context.getNode(),
			`Invalid configuration document at ${path}: ${message}`,
			{ itemIndex: this.itemIndex, description },
		);
	}

	/** Runs one of the node's own checks, its error then naming the path. */
	check<T>(path: string, validate: () => T): T {
		try {
			return validate();
		} catch (error) {
			if (error instanceof NodeOperationError)
				return this.fail(path, error.message, error.description ?? undefined);
			throw new NodeOperationError(this.context.getNode(), error as Error, {
				itemIndex: this.itemIndex,
			});
		}
	}

	path(...parts: Array<string | number>): string {
		return parts.reduce<string>(
			(path, part) => (typeof part === 'number' ? `${path}[${part}]` : `${path}.${part}`),
			this.root,
		);
	}

	object(value: unknown, path: string, keys: { required: string[]; optional?: string[] }): Json {
		this.record(value, path);
		const known = [...keys.required, ...(keys.optional ?? [])];
		for (const key of Object.keys(value as Json)) {
			if (!known.includes(key))
				this.fail(`${path}.${key}`, 'is not a field of the document', `Use: ${known.join(', ')}.`);
		}
		for (const key of keys.required) {
			if (!(key in (value as Json))) this.fail(`${path}.${key}`, 'is missing');
		}
		return value as Json;
	}

	/** An object whose keys the caller checks itself. */
	record(value: unknown, path: string): Json {
		if (value === null || typeof value !== 'object' || Array.isArray(value))
			this.fail(path, 'must be an object');
		return value as Json;
	}

	array(value: unknown, path: string): unknown[] {
		if (!Array.isArray(value)) this.fail(path, 'must be a list');
		return value;
	}

	text(value: unknown, path: string): string {
		if (typeof value !== 'string' || value.trim() === '')
			this.fail(path, 'must be a non-empty text');
		return value.trim();
	}

	/**
	 * Names that must be unique within a list. Graph matches flow ids whatever their case; display names are
	 * text, so "API" and "api" are two connectors (and Export writes both).
	 */
	unique(
		names: string[],
		path: (index: number) => string,
		what: string,
		{ ignoreCase }: { ignoreCase: boolean },
	): void {
		const seen = new Map<string, number>();
		names.forEach((name, index) => {
			const key = ignoreCase ? name.toLowerCase() : name;
			const first = seen.get(key);
			if (first !== undefined)
				this.fail(path(index), `${what} "${name}" is already defined at ${path(first)}`);
			seen.set(key, index);
		});
	}
}

function readAuthentication(
	reader: DocumentReader,
	value: unknown,
	path: string,
): ConnectorAuthenticationEntry {
	const object = reader.object(value, path, {
		required: ['type'],
		optional: ['username', 'certificates'],
	});
	if (object.type === 'basic') {
		if ('certificates' in object)
			reader.fail(`${path}.certificates`, 'belongs to clientCertificate authentication');
		return { type: 'basic', username: reader.text(object.username, `${path}.username`) };
	}
	if (object.type === 'clientCertificate') {
		if ('username' in object) reader.fail(`${path}.username`, 'belongs to basic authentication');
		const certificates = reader
			.array(object.certificates ?? [], `${path}.certificates`)
			.map((entry, index) => {
				const at = `${path}.certificates[${index}]`;
				const certificate = reader.object(entry, at, {
					required: ['thumbprint'],
					optional: ['notAfter'],
				});
				const thumbprint = reader.text(certificate.thumbprint, `${at}.thumbprint`).toUpperCase();
				if (!/^[0-9A-F]{40}$/.test(thumbprint))
					reader.fail(
						`${at}.thumbprint`,
						'must be the certificate’s SHA-1 thumbprint (40 hex digits)',
					);
				return certificate.notAfter === undefined
					? { thumbprint }
					: { thumbprint, notAfter: reader.text(certificate.notAfter, `${at}.notAfter`) };
			});
		reader.unique(
			certificates.map((c) => c.thumbprint),
			(index) => `${path}.certificates[${index}]`,
			'The certificate',
			{ ignoreCase: false },
		);
		return { type: 'clientCertificate', certificates };
	}
	return reader.fail(
		`${path}.type`,
		`unknown authentication type "${String(object.type).slice(0, 40)}"`,
		'Use basic or clientCertificate.',
	);
}

/**
 * The desired document, checked and in canonical form. `root` is where it sits in what the user gave ($ for
 * a document, $.desired inside a plan). No request is made: only the credential's Graph version is read.
 */
export function readDesiredDocument(
	context: IExecuteFunctions,
	itemIndex: number,
	value: unknown,
	graphVersion: GraphVersion,
	root = '$',
): ConfigurationDocument {
	const reader = new DocumentReader(context, itemIndex, root);
	const node = context.getNode();
	const document = reader.object(value, root, {
		required: ['version', 'flowKind'],
		optional: ['apiConnectors', 'userFlows'],
	});
	if (document.version !== DOCUMENT_VERSION) {
		reader.fail(
			reader.path('version'),
			`unknown version ${JSON.stringify(document.version)?.slice(0, 40)}`,
			`This node reads version ${DOCUMENT_VERSION} documents.`,
		);
	}
	const kind = reader.check(reader.path('flowKind'), () =>
		requireFlowKind(node, itemIndex, document.flowKind, graphVersion),
	);

	const apiConnectors = reader
		.array(document.apiConnectors ?? [], reader.path('apiConnectors'))
		.map((entry, index): ConnectorEntry => {
			const at = (...parts: string[]) => reader.path('apiConnectors', index, ...parts);
			const connector = reader.object(entry, at(), {
				required: ['displayName', 'targetUrl', 'authentication'],
			});
			return {
				displayName: reader.text(connector.displayName, at('displayName')),
				targetUrl: reader.check(at('targetUrl'), () =>
					requireTargetUrl(context, itemIndex, connector.targetUrl),
				),
				authentication: readAuthentication(reader, connector.authentication, at('authentication')),
			};
		});
	reader.unique(
		apiConnectors.map((connector) => connector.displayName),
		(index) => reader.path('apiConnectors', index, 'displayName'),
		'The API connector',
		{ ignoreCase: false },
	);
	const connectorNames = new Set(apiConnectors.map((connector) => connector.displayName));

	const userFlows = reader
		.array(document.userFlows ?? [], reader.path('userFlows'))
		.map((entry, index): FlowEntry => {
			const at = (...parts: string[]) => reader.path('userFlows', index, ...parts);
			const flow = reader.object(entry, at(), {
				required: ['id'],
				optional: ['userFlowType', 'userFlowTypeVersion', 'identityProviders', 'apiConnectors'],
			});
			const id = reader.check(at('id'), () =>
				requireExistingFlowId(node, itemIndex, flow.id, kind),
			);
			const steps = reader.record(flow.apiConnectors ?? {}, at('apiConnectors'));
			const apiConnectors: FlowEntry['apiConnectors'] = {};
			for (const [name, connector] of Object.entries(steps)) {
				const step = reader.check(at('apiConnectors', name), () =>
					requireStep(node, itemIndex, name, kind),
				);
				if (connector === null) {
					apiConnectors[step] = null;
					continue;
				}
				const connectorName = reader.text(connector, at('apiConnectors', name));
				if (!connectorNames.has(connectorName)) {
					reader.fail(
						at('apiConnectors', name),
						`the API connector "${connectorName}" is not defined in $.apiConnectors`,
						'Steps name connectors by display name; add the connector to apiConnectors or set the step to null to turn it off.',
					);
				}
				apiConnectors[step] = connectorName;
			}
			const entryOut: FlowEntry = {
				id,
				userFlowType: reader.check(at('userFlowType'), () =>
					requireFlowType(node, itemIndex, kind, flow.userFlowType ?? 'signUpOrSignIn'),
				),
				userFlowTypeVersion: reader.check(at('userFlowTypeVersion'), () =>
					requireFlowTypeVersion(node, itemIndex, kind, flow.userFlowTypeVersion ?? 1),
				),
				apiConnectors,
			};
			if (flow.identityProviders !== undefined) {
				entryOut.identityProviders = reader
					.array(flow.identityProviders, at('identityProviders'))
					.map((provider, position) =>
						reader.text(provider, reader.path('userFlows', index, 'identityProviders', position)),
					);
			}
			return entryOut;
		});
	reader.unique(
		userFlows.map((flow) => flow.id),
		(index) => reader.path('userFlows', index, 'id'),
		'The user flow',
		{ ignoreCase: true },
	);
	return canonicalDocument({ version: DOCUMENT_VERSION, flowKind: kind, apiConnectors, userFlows });
}
