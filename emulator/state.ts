import { createHash, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { repositoryFile } from './http';

/** Files the emulator and its tests use; all are test-only material committed to the repository. */
export const EMULATOR_FILES = {
	/** Clients trust the emulator with NODE_EXTRA_CA_CERTS=<this> or https.Agent({ ca }). */
	caCertificate: repositoryFile('emulator/certs/ca.pem'),
	serverCertificate: repositoryFile('emulator/certs/server.pem'),
	serverKey: repositoryFile('emulator/certs/server.key'),
	/** The certificate registered on the seeded certificate app, and its private key. */
	appCertificate: repositoryFile('emulator/certs/app-cert.pem'),
	appKey: repositoryFile('emulator/certs/app-key.pem'),
} as const;

export type TenantKind = 'externalId' | 'b2c';
export type UserFlowKind = 'b2x' | 'b2c';
export type ConnectorStep = 'postFederationSignup' | 'postAttributeCollection' | 'preTokenIssuance';

/** The application permissions every seeded app holds. */
export const SEEDED_APP_ROLES = ['IdentityUserFlow.ReadWrite.All', 'APIConnectors.ReadWrite.All'];

export interface RegisteredCertificate {
	pem: string;
	publicKey: KeyObject;
	/** base64url of the SHA-1 of the DER: what an 'x5t' JWT header carries. */
	sha1Thumbprint: string;
	/** base64url of the SHA-256 of the DER: what an 'x5t#S256' JWT header carries. */
	sha256Thumbprint: string;
	validTo: Date;
}

export interface AppRegistration {
	clientId: string;
	tenantId: string;
	clientSecret?: string;
	secretExpired: boolean;
	certificate?: RegisteredCertificate;
	/** Marks the registered certificate expired whatever its notAfter says. */
	certificateExpired: boolean;
	/** Application permissions granted (with admin consent); copied into each token at issue. */
	roles: string[];
}

export interface IdentityProvider {
	id: string;
	type: string;
	name: string;
}

/** What the emulator keeps of an uploaded .pfx: never the file or its password. */
export interface CertificateDetails {
	/** Upper-case hex SHA-1 of the certificate's DER, as Graph shows it. */
	thumbprint: string;
	notBefore: Date;
	notAfter: Date;
}

export interface ConnectorCertificate extends CertificateDetails {
	/** Upload order within the tenant; the most recent upload has the highest. */
	uploadedAt: number;
}

export type ConnectorAuthentication =
	| { type: 'basic'; username: string; password: string }
	/** In upload order; Graph shows it as clientCertificateAuthentication. */
	| { type: 'clientCertificate'; certificates: ConnectorCertificate[] };

export interface ApiConnector {
	id: string;
	displayName: string;
	targetUrl: string;
	authentication: ConnectorAuthentication;
}

export interface UserFlow {
	id: string;
	kind: UserFlowKind;
	userFlowType: string;
	userFlowTypeVersion: number;
	/** b2c flows only. */
	isLanguageCustomizationEnabled: boolean;
	/** b2c flows only. */
	defaultLanguageTag: string | null;
	identityProviderIds: string[];
	/** Step -> id of the linked API connector. */
	apiConnectors: Partial<Record<ConnectorStep, string>>;
}

export class Tenant {
	readonly apps = new Map<string, AppRegistration>();
	/** Insertion order is list order. */
	readonly connectors = new Map<string, ApiConnector>();
	/** Keyed by lower-case id: Graph matches user flow ids case-insensitively. */
	readonly userFlows = new Map<string, UserFlow>();
	identityProviders: IdentityProvider[] = [];
	/** A counter, not a clock: two uploads in the same millisecond still have an order. */
	private certificateUploads = 0;

	constructor(
		readonly id: string,
		readonly domain: string,
		readonly kind: TenantKind,
	) {}

	app(clientId: string): AppRegistration | undefined {
		return this.apps.get(clientId.toLowerCase());
	}

	identityProvider(id: string): IdentityProvider | undefined {
		return this.identityProviders.find(
			(provider) => provider.id.toLowerCase() === id.toLowerCase(),
		);
	}

	connector(id: string): ApiConnector | undefined {
		return this.connectors.get(id.toLowerCase());
	}

	addConnector(connector: Omit<ApiConnector, 'id'> & { id?: string }): ApiConnector {
		const stored = { ...connector, id: connector.id ?? randomUUID() };
		this.connectors.set(stored.id.toLowerCase(), stored);
		return stored;
	}

	/** Stamps a certificate as uploaded now, after every earlier upload of this tenant. */
	certificateUploaded(details: CertificateDetails): ConnectorCertificate {
		this.certificateUploads += 1;
		return { ...details, uploadedAt: this.certificateUploads };
	}

	/** Deleting a connector also unlinks it from every flow (assumed: Graph does not keep dangling links). */
	deleteConnector(id: string): boolean {
		for (const flow of this.userFlows.values()) {
			for (const [step, connectorId] of Object.entries(flow.apiConnectors)) {
				if (connectorId.toLowerCase() === id.toLowerCase())
					delete flow.apiConnectors[step as ConnectorStep];
			}
		}
		return this.connectors.delete(id.toLowerCase());
	}

	userFlow(kind: UserFlowKind, id: string): UserFlow | undefined {
		const flow = this.userFlows.get(id.toLowerCase());
		return flow?.kind === kind ? flow : undefined;
	}

	flowsOfKind(kind: UserFlowKind): UserFlow[] {
		return [...this.userFlows.values()].filter((flow) => flow.kind === kind);
	}

	/** Stores the flow under exactly the id given (no prefix is added here; Graph's POST does that). */
	addUserFlow(flow: Pick<UserFlow, 'id' | 'kind'> & Partial<UserFlow>): UserFlow {
		const stored: UserFlow = {
			userFlowType: 'signUpOrSignIn',
			userFlowTypeVersion: flow.kind === 'b2x' ? 1 : 3,
			isLanguageCustomizationEnabled: false,
			defaultLanguageTag: null,
			identityProviderIds: [],
			apiConnectors: {},
			...flow,
		};
		this.userFlows.set(stored.id.toLowerCase(), stored);
		return stored;
	}

	deleteUserFlow(id: string): boolean {
		return this.userFlows.delete(id.toLowerCase());
	}
}

export interface NewApp {
	tenantId: string;
	clientId?: string;
	clientSecret?: string;
	/** PEM of the certificate to register; a PEM bundle with a private key is fine (the key is ignored). */
	certificatePem?: string;
	roles?: string[];
}

export interface NewTenant {
	id?: string;
	domain: string;
	kind: TenantKind;
}

export const EXTERNAL_ID_TENANT = {
	id: '8f0d4b2e-6a1c-4d3e-9b7a-2c5e1f0a9d41',
	domain: 'contoso.onmicrosoft.com',
	secretClientId: '3c9b2f4e-7d15-4a8c-b0e6-91f2d3a4c5b7',
	certificateClientId: '5a7e1c3d-2b4f-4e6a-8c9d-0f1e2a3b4c5d',
} as const;

export const B2C_TENANT = {
	id: 'c4e5f6a7-b8c9-4d0e-8f1a-2b3c4d5e6f70',
	domain: 'fabrikamb2c.onmicrosoft.com',
	secretClientId: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a',
} as const;

/**
 * A second, empty External ID tenant: the production tenant of the examples that promote a configuration
 * from the first (dev) tenant, so names match and ids differ.
 */
export const PRODUCTION_TENANT = {
	id: '2a6f8c1e-4b3d-4e7a-9c5f-7d1e3b9a0c62',
	domain: 'contosoprod.onmicrosoft.com',
	secretClientId: '6e4d2c1b-9a8f-4b7e-8d6c-5b4a3f2e1d0c',
} as const;

/** The client secret of every seeded secret app. */
export const SEEDED_CLIENT_SECRET = 'emulator-secret-value-0000';

export const SEEDED_IDENTITY_PROVIDERS: readonly IdentityProvider[] = [
	{ id: 'EmailPassword-OAUTH', type: 'EmailPassword', name: 'Email with password' },
	{ id: 'Facebook-OAuth', type: 'Facebook', name: 'Facebook' },
	{ id: 'Google-OAuth', type: 'Google', name: 'Google' },
	{ id: 'MSASignup-OAUTH', type: 'MicrosoftAccount', name: 'Microsoft Account' },
];

/** The two API connectors of the External ID tenant, as in Microsoft's documentation example. */
export const SEEDED_CONNECTORS = [
	{
		id: '0b1e7f3a-2c4d-4e5f-8a9b-6c7d8e9f0a11',
		displayName: 'Test API Connector 1',
		targetUrl: 'https://someapi.com/api/endpoint',
		username: '<USERNAME>',
		password: 'emulator-connector-password-1',
	},
	{
		id: '0b1e7f3a-2c4d-4e5f-8a9b-6c7d8e9f0a22',
		displayName: 'Test API Connector 2',
		targetUrl: 'https://someotherapi.com/api/endpoint',
		username: '<USERNAME2>',
		password: 'emulator-connector-password-2',
	},
] as const;

function thumbprint(der: Buffer, algorithm: 'sha1' | 'sha256'): string {
	return createHash(algorithm).update(der).digest('base64url');
}

export function registerCertificate(pem: string): RegisteredCertificate {
	const certificate = new X509Certificate(pem);
	return {
		pem,
		publicKey: certificate.publicKey,
		sha1Thumbprint: thumbprint(certificate.raw, 'sha1'),
		sha256Thumbprint: thumbprint(certificate.raw, 'sha256'),
		validTo: new Date(certificate.validTo),
	};
}

/** The whole directory: tenants with their apps, identity providers, user flows and API connectors. */
export class EmulatorState {
	readonly tenants = new Map<string, Tenant>();

	constructor() {
		this.seed();
	}

	/** Looks a tenant up by GUID or by domain, case-insensitively. */
	tenant(idOrDomain: string): Tenant | undefined {
		const key = idOrDomain.toLowerCase();
		return (
			this.tenants.get(key) ??
			[...this.tenants.values()].find((tenant) => tenant.domain.toLowerCase() === key)
		);
	}

	/** Like tenant(), for tests that know the tenant exists. */
	requireTenant(idOrDomain: string): Tenant {
		const tenant = this.tenant(idOrDomain);
		if (!tenant) throw new Error(`Emulator: no tenant '${idOrDomain}'`);
		return tenant;
	}

	addTenant(spec: NewTenant): Tenant {
		const tenant = new Tenant(spec.id ?? randomUUID(), spec.domain, spec.kind);
		tenant.identityProviders = SEEDED_IDENTITY_PROVIDERS.map((provider) => ({ ...provider }));
		this.tenants.set(tenant.id.toLowerCase(), tenant);
		return tenant;
	}

	addApp(spec: NewApp): AppRegistration {
		const app: AppRegistration = {
			clientId: spec.clientId ?? randomUUID(),
			tenantId: this.requireTenant(spec.tenantId).id,
			clientSecret: spec.clientSecret,
			secretExpired: false,
			certificate:
				spec.certificatePem === undefined ? undefined : registerCertificate(spec.certificatePem),
			certificateExpired: false,
			roles: [...(spec.roles ?? SEEDED_APP_ROLES)],
		};
		this.requireTenant(app.tenantId).apps.set(app.clientId.toLowerCase(), app);
		return app;
	}

	/** Back to the seeded directory, in place, so references to this object stay valid. */
	reset(): void {
		this.tenants.clear();
		this.seed();
	}

	private seed(): void {
		this.seedExternalIdTenant();
		this.seedB2cTenant();
		this.seedProductionTenant();
	}

	private seedProductionTenant(): void {
		const tenant = this.addTenant({
			id: PRODUCTION_TENANT.id,
			domain: PRODUCTION_TENANT.domain,
			kind: 'externalId',
		});
		this.addApp({
			tenantId: tenant.id,
			clientId: PRODUCTION_TENANT.secretClientId,
			clientSecret: SEEDED_CLIENT_SECRET,
		});
	}

	private seedExternalIdTenant(): void {
		const tenant = this.addTenant({
			id: EXTERNAL_ID_TENANT.id,
			domain: EXTERNAL_ID_TENANT.domain,
			kind: 'externalId',
		});
		this.addApp({
			tenantId: tenant.id,
			clientId: EXTERNAL_ID_TENANT.secretClientId,
			clientSecret: SEEDED_CLIENT_SECRET,
		});
		this.addApp({
			tenantId: tenant.id,
			clientId: EXTERNAL_ID_TENANT.certificateClientId,
			certificatePem: readFileSync(EMULATOR_FILES.appCertificate, 'utf8'),
		});
		for (const { username, password, ...connector } of SEEDED_CONNECTORS) {
			tenant.addConnector({ ...connector, authentication: { type: 'basic', username, password } });
		}
	}

	/** Assumed: a B2C tenant offers the same identity providers; Microsoft's docs show no B2C list. */
	private seedB2cTenant(): void {
		const tenant = this.addTenant({ id: B2C_TENANT.id, domain: B2C_TENANT.domain, kind: 'b2c' });
		this.addApp({
			tenantId: tenant.id,
			clientId: B2C_TENANT.secretClientId,
			clientSecret: SEEDED_CLIENT_SECRET,
		});
	}
}
