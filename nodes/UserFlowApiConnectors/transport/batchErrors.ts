/**
 * Why a $batch step got no answer of its own: the batch came back 2xx, but its body was not a batch answer
 * (malformed), or it held no answer, or more than one, with the step's id (incomplete). The step's promise is
 * rejected with it; the client reports it as the item's error (transportError), never as a success, and does
 * not retry it: whether the step took effect is unknown.
 */
export class BatchAnswerError extends Error {
	override readonly name = 'BatchAnswerError';

	/** The message's first words, for an item's error message: "The $batch answer was incomplete". */
	readonly summary: string;

	constructor(
		readonly code: 'BatchAnswerIncomplete' | 'BatchAnswerMalformed',
		/** What was wrong, after "The $batch answer was incomplete: ". */
		detail: string,
	) {
		const summary = `The $batch answer was ${code === 'BatchAnswerIncomplete' ? 'incomplete' : 'malformed'}`;
		super(`${summary}: ${detail}`);
		this.summary = summary;
	}
}

/** What to do after a step's $batch answer was lost: the same words for every kind. */
export const BATCH_ANSWER_ADVICE =
	'Whether this request took effect is unknown: read the object before running the item again, or turn Request Options > Batching off if a gateway between n8n and Graph alters $batch answers.';
