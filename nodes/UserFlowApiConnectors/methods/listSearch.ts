import type {
	IDataObject,
	ILoadOptionsFunctions,
	INodeListSearchItems,
	INodeListSearchResult,
} from 'n8n-workflow';

import { readRetryPolicy } from '../actions/requestOptions';
import { FLOW_KINDS } from '../helpers/flowKinds';
import { resolveFlowKind } from '../helpers/locators';
import { GraphClient, graphPath, PAGE_SIZE } from '../transport';

/** List search has no items, no batching and no Stop: the defaults of Request Options. */
function listClient(context: ILoadOptionsFunctions): GraphClient {
	return new GraphClient(context, {
		batching: false,
		retryPolicy: () => readRetryPolicy(undefined),
	});
}

/** One page of a Graph collection, filtered by the search text on the client (these collections have no $search). */
async function searchPage(
	graph: GraphClient,
	path: string,
	toItem: (entity: IDataObject) => INodeListSearchItems,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const { body } = await graph.request(
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
	const graph = listClient(this);
	const { graphBaseUrl } = await graph.endpoints();
	const kind = await resolveFlowKind(graph, 0, this.getCurrentNodeParameter('flowKind') ?? 'b2x');
	const { collection } = FLOW_KINDS[kind];
	return await searchPage(
		graph,
		graphPath`/identity/${collection}`,
		(flow) => ({
			name: `${String(flow.id)} (${String(flow.userFlowType)} v${String(flow.userFlowTypeVersion)})`,
			value: String(flow.id),
			url: `${graphBaseUrl}/identity/${collection}/${encodeURIComponent(String(flow.id))}`,
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
	const graph = listClient(this);
	const { graphBaseUrl } = await graph.endpoints();
	return await searchPage(
		graph,
		graphPath`/identity/apiConnectors`,
		(connector) => ({
			name: `${String(connector.displayName)} (${String(connector.targetUrl)})`,
			value: String(connector.id),
			url: `${graphBaseUrl}/identity/apiConnectors/${encodeURIComponent(String(connector.id))}`,
		}),
		filter,
		paginationToken,
	);
}
