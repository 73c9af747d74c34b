import type {
	IDataObject,
	ILoadOptionsFunctions,
	INodeListSearchItems,
	INodeListSearchResult,
} from 'n8n-workflow';

import { FLOW_KINDS } from '../helpers/flowKinds';
import { requireFlowKind } from '../helpers/validation';
import { getGraphConnection, graphPath, graphRequest, PAGE_SIZE } from '../transport';

/** One page of a Graph collection, filtered by the search text on the client (these collections have no $search). */
async function searchPage(
	context: ILoadOptionsFunctions,
	path: string,
	toItem: (entity: IDataObject) => INodeListSearchItems,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const { body } = await graphRequest.call(
		context,
		paginationToken
			? { method: 'GET', path: paginationToken }
			: { method: 'GET', path, qs: { $top: PAGE_SIZE } },
	);
	const needle = (filter ?? '').toLowerCase();
	const results = ((body.value as IDataObject[] | undefined) ?? [])
		.map(toItem)
		.filter(
			(item) =>
				!needle ||
				item.name.toLowerCase().includes(needle) ||
				String(item.value).toLowerCase().includes(needle),
		);
	const nextLink = body['@odata.nextLink'];
	return { results, paginationToken: typeof nextLink === 'string' ? nextLink : undefined };
}

export async function searchUserFlows(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const { endpoints } = await getGraphConnection.call(this);
	const kind = requireFlowKind(
		this,
		0,
		this.getCurrentNodeParameter('flowKind') ?? 'b2x',
		endpoints.graphVersion,
	);
	const { collection } = FLOW_KINDS[kind];
	return await searchPage(
		this,
		graphPath`/identity/${collection}`,
		(flow) => ({
			name: `${String(flow.id)} (${String(flow.userFlowType)} v${String(flow.userFlowTypeVersion)})`,
			value: String(flow.id),
			url: `${endpoints.graphBaseUrl}/identity/${collection}/${encodeURIComponent(String(flow.id))}`,
		}),
		filter,
		paginationToken,
	);
}

export async function searchApiConnectors(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const { endpoints } = await getGraphConnection.call(this);
	return await searchPage(
		this,
		graphPath`/identity/apiConnectors`,
		(connector) => ({
			name: `${String(connector.displayName)} (${String(connector.targetUrl)})`,
			value: String(connector.id),
			url: `${endpoints.graphBaseUrl}/identity/apiConnectors/${encodeURIComponent(String(connector.id))}`,
		}),
		filter,
		paginationToken,
	);
}
