// Set Step over a list of items, each naming its flow and connector: the shape the concurrency, batching and
// fault specs share.
import type { INodeParameters } from 'n8n-workflow';

import type { Emulator } from '../../emulator';
import { SEEDED_CONNECTORS } from '../../emulator/state';

/** Creates the flows in the emulator's External ID tenant and returns one item per flow, connectors alternating. */
export function seedFlowItems(
	emulator: Emulator,
	names: string[],
): Array<{ flow: string; connector: string }> {
	const tenant = emulator.state.requireTenant(emulator.defaults.tenantId);
	for (const id of names) tenant.addUserFlow({ id, kind: 'b2x' });
	return names.map((flow, index) => ({ flow, connector: SEEDED_CONNECTORS[index % 2].id }));
}

/** Set Step parameters whose flow and connector come from each item ($json.flow, $json.connector). */
export function setStepFromItems(
	options: {
		requestOptions?: { batching?: boolean; concurrency?: number };
		checkCurrentStep?: boolean;
	} = {},
): INodeParameters {
	return {
		resource: 'apiConnectorConfiguration',
		operation: 'setStep',
		flowKind: 'b2x',
		userFlow: { __rl: true, mode: 'id', value: '={{ $json.flow }}' },
		step: 'postAttributeCollection',
		apiConnector: { __rl: true, mode: 'id', value: '={{ $json.connector }}' },
		options: { checkCurrentStep: options.checkCurrentStep ?? false },
		requestOptions: options.requestOptions ?? {},
	};
}
