export { purchase } from './purchase';
export { sessionSweep } from './session-sweep';
