/** No-op activities: the bare chain measures Temporal's own cost, nothing of the purchase's work. */
export async function record(_step: string): Promise<void> {}
export async function reserve(_id: string): Promise<void> {}
export async function schedule(_id: string): Promise<void> {}
export async function confirm(_id: string): Promise<void> {}
export async function dispatch(_id: string): Promise<void> {}
export type BareActivities = typeof import('./activities');
