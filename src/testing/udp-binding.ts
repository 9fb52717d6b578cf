/**
 * The UDP socket contract is defined by the runtime (src/runtime/udp-binding.ts), which owns real
 * sockets; the simulator implements the same contract. Re-exported here for the testing modules.
 * @module
 */
export * from '../runtime/udp-binding.ts';
