export { purchase } from './purchase';
export { sessionSweep } from './session-sweep';
export { erasure } from './erasure';
