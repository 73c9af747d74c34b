import type { GraphVersion } from '../../../credentials/entra';

export type FlowKind = 'b2x' | 'b2c';
export type ConnectorStep = 'postFederationSignup' | 'postAttributeCollection' | 'preTokenIssuance';

interface FlowKindInfo {
	displayName: string;
	/** Graph collection under /identity. */
	collection: 'b2xUserFlows' | 'b2cUserFlows';
	/** Graph adds it to the name given at creation. */
	prefix: string;
	versions: readonly GraphVersion[];
	steps: readonly ConnectorStep[];
	flowTypes: readonly string[];
}

export const FLOW_KINDS: Record<FlowKind, FlowKindInfo> = {
	b2x: {
		displayName: 'External ID self-service sign-up',
		collection: 'b2xUserFlows',
		prefix: 'B2X_1_',
		versions: ['v1.0', 'beta'],
		steps: ['postFederationSignup', 'postAttributeCollection'],
		flowTypes: ['signUpOrSignIn'],
	},
	b2c: {
		displayName: 'Azure AD B2C',
		collection: 'b2cUserFlows',
		prefix: 'B2C_1_',
		versions: ['beta'],
		steps: ['postFederationSignup', 'postAttributeCollection', 'preTokenIssuance'],
		flowTypes: [
			'signUp',
			'signIn',
			'signUpOrSignIn',
			'passwordReset',
			'profileUpdate',
			'resourceOwner',
		],
	},
};

export const ALL_STEPS: readonly ConnectorStep[] = [
	'postFederationSignup',
	'postAttributeCollection',
	'preTokenIssuance',
];

export const STEP_NAMES: Record<ConnectorStep, string> = {
	postFederationSignup: 'After Signing In With an Identity Provider',
	postAttributeCollection: 'Before Creating the User',
	preTokenIssuance: 'Before Sending the Token (B2C Only)',
};
