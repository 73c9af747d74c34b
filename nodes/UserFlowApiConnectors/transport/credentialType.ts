/** The credential type every Graph request of this node authenticates with. */
export const CREDENTIAL_TYPE = 'microsoftEntraUserFlowsApi';
