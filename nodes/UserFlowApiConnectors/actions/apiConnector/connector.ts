import { NodeOperationError, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';

import { withoutAnnotations } from '../../helpers/odata';
import { graphPath, type GraphClient } from '../../transport';

/** Entra calls the API over https only: anything else is refused before a request is sent. */
export function requireTargetUrl(
	context: IExecuteFunctions,
	itemIndex: number,
	value: unknown,
): string {
	const text = typeof value === 'string' ? value.trim() : '';
	if (!URL.canParse(text) || new URL(text).protocol !== 'https:') {
		throw new NodeOperationError(
			context.getNode(),
			`Target URL must be an https:// URL, got "${text.slice(0, 200)}"`,
			{
				itemIndex,
				description:
					'Entra External ID calls API connectors over HTTPS only, for example https://api.contoso.com/signup/validate.',
			},
		);
	}
	return text;
}

const isoDate = (epochSeconds: unknown) =>
	typeof epochSeconds === 'number' ? new Date(epochSeconds * 1000).toISOString() : undefined;

/**
 * The connector as a workflow wants it: without OData annotations, certificate dates also as ISO text,
 * and never a pkcs12Value (Graph masks passwords as ****** itself; that stays as it is).
 */
export function formatConnector(connector: IDataObject): IDataObject {
	const result = withoutAnnotations(connector);
	const authentication = result.authenticationConfiguration as IDataObject | undefined;
	if (authentication) {
		const rest = Object.fromEntries(
			Object.entries(authentication).filter(([key]) => key !== 'pkcs12Value'),
		);
		const certificates = rest.certificateList as IDataObject[] | undefined;
		result.authenticationConfiguration = certificates
			? {
					...rest,
					certificateList: certificates.map((certificate) => ({
						...certificate,
						notBeforeIso: isoDate(certificate.notBefore),
						notAfterIso: isoDate(certificate.notAfter),
					})),
				}
			: rest;
	}
	return result;
}

/** GET the connector, as the workflow gets it. */
export async function readConnector(
	graph: GraphClient,
	itemIndex: number,
	connectorId: string,
): Promise<IDataObject> {
	const { body } = await graph.request({
		method: 'GET',
		path: graphPath`/identity/apiConnectors/${connectorId}`,
		itemIndex,
	});
	return formatConnector(body);
}
