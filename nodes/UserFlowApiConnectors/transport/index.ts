/** The transport as the rest of the node sees it: the Graph client, Graph paths, and the few errors it names. */
export { MAX_BATCH_STEPS } from './batch';
export { GRAPH_MINUTE_VARIABLE } from './budget';
export { GraphClient, PAGE_SIZE, type GraphClientOptions, type RequestOptions } from './client';
export { stoppedError } from './errors';
export { encodePathSegment, graphPath } from './paths';
export type { GraphRequest, GraphResponse, RetryPolicy } from './types';
