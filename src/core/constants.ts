/**
 * VL1 timers and limits (protocol.md §9.1, §3.4, §6), in milliseconds unless stated.
 * Values are 1.14.1's; where an SDK build differs (activity timeout) the SDK value is used.
 * @module
 */

/** `ZT_PING_CHECK_INTERVAL`: the housekeeping tick (§9.2). */
export const PING_CHECK_INTERVAL = 5000;
/** `ZT_PATH_HEARTBEAT_PERIOD`: heartbeat a path if nothing was sent on it for this long (§9.1). */
export const PATH_HEARTBEAT_PERIOD = 14000;
/** A path is alive while something authenticated arrived on it within this long (heartbeat + 5 s). */
export const PATH_ALIVE_TIMEOUT = PATH_HEARTBEAT_PERIOD + 5000;
/** `ZT_PEER_PING_PERIOD`: full HELLO to each active path this often (§9.2). */
export const PEER_PING_PERIOD = 60000;
/** `ZT_PEER_PATH_EXPIRATION`: a path is dropped after this long without authenticated traffic. */
export const PEER_PATH_EXPIRATION = 243000;
/** `ZT_PEER_ACTIVITY_TIMEOUT` in ZT_SDK builds (the daemon uses 500000), §9.1. */
export const DEFAULT_ACTIVITY_TIMEOUT = 30000;
/** `ZT_TRUST_EXPIRATION`: a path/peer stays trust-established this long (§3.4, §9.4). */
export const TRUST_EXPIRATION = 600000;
/** `ZT_WHOIS_RETRY_DELAY`: at most one WHOIS per address this often (§6.5). */
export const WHOIS_RETRY_DELAY = 500;
/** WHOIS attempts before the queued packets are given up (reference `ZT_MAX_WHOIS_RETRIES`). */
export const MAX_WHOIS_RETRIES = 4;
/** `ZT_TRANSMIT_QUEUE_TIMEOUT` / RX: parked packets live this long (§4.5, §9.1). */
export const QUEUE_TIMEOUT = 5000;
/** Outgoing packets queued for peers whose identity is not yet known (§9.3). */
export const TX_QUEUE_LIMIT = 32;
/** Incoming packets parked while their source is WHOIS'd (reference RX queue size, §3.3). */
export const RX_PARK_LIMIT = 32;
/** `ZT_MIN_UNITE_INTERVAL`: RENDEZVOUS at most this often per pair at a relay (§9.4). */
export const MIN_UNITE_INTERVAL = 30000;
/** `ZT_DIRECT_PATH_PUSH_INTERVAL`: PUSH_DIRECT_PATHS when the trigger was relayed (§9.4). */
export const DIRECT_PATH_PUSH_INTERVAL = 15000;
/** `ZT_DIRECT_PATH_PUSH_INTERVAL_HAVEPATH`: when it arrived directly (§9.4). */
export const DIRECT_PATH_PUSH_INTERVAL_HAVEPATH = 120000;
/** `ZT_PUSH_DIRECT_PATHS_CUTOFF_TIME` / `_LIMIT`: more than 8 pushes in 30 s are ignored (§6.16). */
export const PUSH_DIRECT_PATHS_CUTOFF_TIME = 30000;
/** See {@link PUSH_DIRECT_PATHS_CUTOFF_TIME}. */
export const PUSH_DIRECT_PATHS_CUTOFF_LIMIT = 8;
/** Addresses contacted per (IP scope, family) from one PUSH_DIRECT_PATHS (§6.16). */
export const PUSH_DIRECT_PATHS_MAX_PER_SCOPE = 8;
/** `ZT_IDENTITY_VALIDATION_SOURCE_RATE_LIMIT`: one full identity check per source bucket per 2 s (§9.2). */
export const IDENTITY_VALIDATION_RATE_LIMIT = 2000;
/** Source-IP buckets for the identity-validation limit (reference: 64, hashed). */
export const IDENTITY_VALIDATION_BUCKETS = 64;
/** `ZT_PEER_WHOIS_RATE_LIMIT`: inbound WHOIS per peer at non-roots (§6.5). */
export const PEER_WHOIS_RATE_LIMIT = 100;
/** Inbound ECHO per path (§6.9: about one per 166 ms). */
export const ECHO_RATE_LIMIT = 166;
/** Confirming HELLO to an unknown direct path at most once per second per path (§9.3). */
export const PATH_CONFIRM_INTERVAL = 1000;
/** OK(HELLO) replies per peer: at most this many per {@link HELLO_REPLY_WINDOW}. */
export const HELLO_REPLY_BURST = 10;
/** Window of {@link HELLO_REPLY_BURST}. */
export const HELLO_REPLY_WINDOW = 1000;
/** Paths kept per peer (reference `ZT_MAX_PEER_NETWORK_PATHS`). */
export const MAX_PATHS_PER_PEER = 16;
/** `ZT_RELAY_MAX_HOPS`: forward only packets with fewer hops than this (§3.4). */
export const RELAY_MAX_HOPS = 3;
/** Surface (external) addresses expire after 10 min (§9.6). */
export const SURFACE_ADDRESS_EXPIRATION = 600000;
/** "Alive" age cap in the path quality formula (§9.3). */
export const PATH_QUALITY_AGE_CAP = 140000;
/** Latency of a path that was never measured (§9.3). */
export const UNKNOWN_LATENCY = 0xffff;
/** Bytes of the junk datagram a RENDEZVOUS receiver sends with TTL 2 (§6.6). */
export const RENDEZVOUS_JUNK_LENGTH = 4;
/** IP TTL of that junk datagram (§6.6). */
export const RENDEZVOUS_JUNK_TTL = 2;
/** Known peers kept without any traffic before housekeeping forgets them (non-upstreams). */
export const PEER_FORGET_AFTER = 3600000;
/** Software version we announce (Appendix A). */
export const SOFTWARE_VERSION = { major: 1, minor: 14, revision: 1 } as const;
/** Protocol version we announce (Appendix A). */
export const PROTOCOL_VERSION = 12;
/** Lowest remote protocol version that gets AES-GMAC-SIV (§4.5). */
export const AES_MIN_PROTOCOL_VERSION = 12;
/** Lowest remote protocol version that is probed with ECHO rather than HELLO (§6.6). */
export const ECHO_MIN_PROTOCOL_VERSION = 5;
