import type { IDataObject } from 'n8n-workflow';

/** Graph's OData annotations (@odata.context and friends) mean nothing to a workflow. */
export function withoutAnnotations(entity: IDataObject): IDataObject {
	return Object.fromEntries(Object.entries(entity).filter(([key]) => !key.includes('@odata.')));
}
