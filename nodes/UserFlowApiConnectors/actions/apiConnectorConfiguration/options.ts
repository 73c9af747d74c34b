import type { INodeProperties } from 'n8n-workflow';

export const checkFirstOption: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [
		{
			displayName: 'Check Current Step First',
			name: 'checkCurrentStep',
			type: 'boolean',
			default: false,
			description:
				'Whether to read the step before changing it, so the output reports the previous API connector and an unchanged step is not written again (two requests per item instead of one)',
		},
	],
};
