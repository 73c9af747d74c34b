import {
	NodeOperationError,
	type IDataObject,
	type ILoadOptionsFunctions,
	type INodeListSearchItems,
	type INodeListSearchResult,
} from 'n8n-workflow';

import { readRetryPolicy } from '../actions/requestOptions';
import { FLOW_KINDS } from '../helpers/flowKinds';
import { resolveFlowKind } from '../helpers/locators';
import { GraphClient, graphPath, PAGE_SIZE } from '../transport';
import { scrubText } from '../transport/scrub';

/** List search has no items, no batching and no Stop, and a person waits for it: interactive defaults. */
function listClient(context: ILoadOptionsFunctions): GraphClient {
	return new GraphClient(context, {
		batching: false,
		retryPolicy: () => readRetryPolicy(undefined, undefined, true),
	});
}

/**
 * A pagination token is the @odata.nextLink of the page before: the same listing, below the configured Graph
 * root, differing only in its query. Anything else (a relative path, another collection, another host) is
 * refused before the token is sent anywhere.
 */
async function nextPageRequest(graph: GraphClient, path: string, paginationToken: string) {
	const { graphBaseUrl } = await graph.endpoints();
	const listing = `${graphBaseUrl}${path}`;
	const url = URL.canParse(paginationToken) ? new URL(paginationToken) : undefined;
	if (!url || url.username || url.password || `${url.origin}${url.pathname}` !== listing) {
		throw new NodeOperationError(
			graph.node,
			`Refusing a pagination token that is not a next page of this list: ${scrubText(paginationToken.split('?')[0], [], 300)}`,
			{
				description: `A next page is a link to ${listing} itself; a new search starts from the first page.`,
			},
		);
	}
	return { method: 'GET' as const, path: `${listing}${url.search}` };
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
			? await nextPageRequest(graph, path, paginationToken)
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
