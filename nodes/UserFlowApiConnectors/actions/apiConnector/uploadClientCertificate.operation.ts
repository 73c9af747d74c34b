import { updateDisplayOptions, type IDataObject, type INodeProperties } from 'n8n-workflow';

import { resolveConnectorId } from '../../helpers/locators';
import type { OperationExecute } from '../../helpers/nodeRun';
import { graphPath } from '../../transport';
import { apiConnectorLocator } from '../common.descriptions';
import { certificateProperties, readPkcs12 } from './authentication';
import { formatConnector } from './connector';

const show = { resource: ['apiConnector'], operation: ['uploadClientCertificate'] };

const properties: INodeProperties[] = [
	apiConnectorLocator({ description: 'The API connector that gets the certificate' }),
	...certificateProperties,
];

export const description = updateDisplayOptions({ show }, properties);

/** Adds a certificate to the connector; Graph makes the newest valid one active, so certificates roll over. */
export const execute: OperationExecute<IDataObject> = async function (run, itemIndex) {
	const connectorId = await resolveConnectorId(run, itemIndex);
	const { body } = await run.graph.request({
		method: 'POST',
		path: graphPath`/identity/apiConnectors/${connectorId}/uploadClientCertificate`,
		body: await readPkcs12(this, itemIndex),
		itemIndex,
	});
	return formatConnector(body);
};
