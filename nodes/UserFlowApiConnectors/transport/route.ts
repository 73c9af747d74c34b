import {
	NodeOperationError,
	type ICredentialDataDecryptedObject,
	type IExecuteFunctions,
	type ILoadOptionsFunctions,
} from 'n8n-workflow';

import { CREDENTIAL_TYPE, GraphApp } from '../../../credentials/entra';
import { GraphBatcher } from './batch';
import { createSender } from './sender';
import { budgetOf, type AppBudget } from './budget';
import type { GraphAccess, SendRequest } from './types';

/** What a node run needs to reach Graph: who it is, how its requests travel, and its app's budget. */
export interface Route {
	access: GraphAccess;
	send: SendRequest;
	budget: AppBudget;
}

/** Reads the credential (n8n decrypts it on every call, so once per run) and sets up how requests go. */
export async function openRoute(
	context: IExecuteFunctions | ILoadOptionsFunctions,
	batching: boolean,
): Promise<Route> {
	const node = context.getNode();
	const data = await context.getCredentials<ICredentialDataDecryptedObject>(CREDENTIAL_TYPE);
	const { id, name } = node.credentials?.[CREDENTIAL_TYPE] ?? {};
	let access: GraphAccess;
	try {
		access = {
			app: new GraphApp(data),
			credentials: { id: id ?? '', name: name ?? '', type: CREDENTIAL_TYPE, data },
		};
	} catch (error) {
		throw new NodeOperationError(
			node,
			`The Microsoft Entra credential is not valid: ${(error as Error).message}`,
		);
	}
	const direct = createSender(context, access);
	const send = batching
		? new GraphBatcher(direct, access.app.endpoints.graphBaseUrl).sendStep
		: direct;
	return { access, send, budget: budgetOf(access) };
}
