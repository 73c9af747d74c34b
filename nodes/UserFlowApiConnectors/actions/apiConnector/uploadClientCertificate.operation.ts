import {
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeProperties,
} from 'n8n-workflow';

import { certificateProperties, formatConnector, readPkcs12 } from '../../helpers/connectors';
import { resolveConnectorId } from '../../helpers/locators';
import { graphPath, graphRequest } from '../../transport';
import { apiConnectorLocator } from '../common.descriptions';

const show = { resource: ['apiConnector'], operation: ['uploadClientCertificate'] };

const properties: INodeProperties[] = [
	apiConnectorLocator({ description: 'The API connector that gets the certificate' }),
	...certificateProperties,
];

export const description = updateDisplayOptions({ show }, properties);

/** Adds a certificate to the connector; Graph makes the newest valid one active, so certificates roll over. */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const connectorId = await resolveConnectorId(this, itemIndex);
	const { body } = await graphRequest.call(this, {
		method: 'POST',
		path: graphPath`/identity/apiConnectors/${connectorId}/uploadClientCertificate`,
		body: await readPkcs12(this, itemIndex),
		itemIndex,
	});
	return formatConnector(body);
}
