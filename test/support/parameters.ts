// Node parameters as the editor saves them.

/** A resource locator in its "By ID" mode. */
export const byId = (value: string) => ({ __rl: true, mode: 'id', value });
