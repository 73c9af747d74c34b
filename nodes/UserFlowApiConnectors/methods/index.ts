export { CREDENTIAL_TEST, microsoftEntraUserFlowsApiTest } from './credentialTest';
export * as listSearch from './listSearch';
