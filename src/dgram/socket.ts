/**
 * A `dgram.Socket` over our stack's UDP layer (style.md §4, ecosystem-notes.md §3 "dgram"). It keeps Node's
 * contract (lib/dgram.js): bind states UNBOUND → BINDING → BOUND, a send queue while binding, the implicit
 * bind of `send`/`connect`, `normalizeArgs`-style overloads, `ERR_*` codes thrown at once for misuse and
 * system errors (`bind EADDRINUSE 0.0.0.0:5000`) delivered later to the callback or `'error'`. The stack's
 * {@link UdpSocket} plays the part of Node's native handle: it exists from construction and is bound on demand.
 *
 * Differences from Node, all consequences of a user-space stack with one interface:
 * - `reuseAddr`/`reusePort`/`exclusive` are accepted and ignored (the stack has no SO_REUSEADDR for UDP).
 * - Buffer sizes are remembered (reported doubled, as Linux does) but datagrams are delivered as they arrive.
 * - `getSendQueueSize()`/`getSendQueueCount()` are 0: a send is complete once the stack has framed it.
 * - Source-specific membership is filtered here: the group is joined and datagrams to it are kept only from
 *   the sources asked for (unless an any-source membership of the group also exists).
 * - A udp6 socket given an IPv4 literal uses it v4-mapped (Node's handle would answer EINVAL).
 * @module
 */

import { Buffer } from 'node:buffer';
import { EventEmitter } from 'node:events';
import type { UdpRemoteInfo } from '../stack/udp.ts';
import { udpErrno } from '../stack/udp.ts';
import {
  formatIp,
  ipEqual,
  isMulticast,
  isUnspecified,
  parseIp,
  toV4Mapped,
} from '../stack/wire/ip-address.ts';
import { type DgramBinding, type SocketHost, stacksOf, syncStacks } from './binding.ts';
import { badPort, codeError, type DgramSystemError, invalidArgType, systemError } from './errors.ts';
import { MultiUdp, openUdp, type UdpEndpoint } from './udp-endpoint.ts';

/** `'udp4'` or `'udp6'`. */
export type SocketType = 'udp4' | 'udp6';

/** Options of `createSocket` (Node's `dgram.SocketOptions`). */
export interface SocketOptions {
  type: SocketType;
  /** Accepted and ignored (no SO_REUSEADDR for UDP in the stack). */
  reuseAddr?: boolean;
  /** Accepted and ignored. */
  reusePort?: boolean;
  /** udp6 only: refuse IPv4 (v4-mapped) traffic (IPV6_V6ONLY). */
  ipv6Only?: boolean;
  recvBufferSize?: number;
  sendBufferSize?: number;
  /** Resolves host names (`dns.lookup` shape); defaults to the binding's `lookup`. */
  lookup?: SocketHost['lookup'];
  /** Closes the socket when aborted. */
  signal?: AbortSignal;
}

/** The sender of a datagram, as in Node's `'message'` event. */
export interface RemoteInfo {
  address: string;
  family: 'IPv4' | 'IPv6';
  port: number;
  size: number;
}

/** `socket.address()` / `socket.remoteAddress()`. */
export interface AddressInfo {
  address: string;
  family: 'IPv4' | 'IPv6';
  port: number;
}

/** `bind(options)`. */
export interface BindOptions {
  port?: number;
  address?: string;
  /** Accepted and ignored (no cluster). */
  exclusive?: boolean;
  /** Not supported: a stack socket has no OS descriptor. */
  fd?: number;
}

/** `send` completion: `(err, bytes)`. */
export type SendCallback = (error: Error | null, bytes?: number) => void;
type Msg = string | NodeJS.ArrayBufferView | ReadonlyArray<string | NodeJS.ArrayBufferView>;

const BIND_UNBOUND = 0;
const BIND_BINDING = 1;
const BIND_BOUND = 2;
const CONNECT_DISCONNECTED = 0;
const CONNECT_CONNECTING = 1;
const CONNECT_CONNECTED = 2;
/** Linux's default SO_RCVBUF/SO_SNDBUF (net.core.rmem_default), reported before any set. */
const DEFAULT_BUFFER = 212_992;

/** A UDP socket bound to one stack; create it with `createSocket` of {@link createDgram}. */
export class Socket extends EventEmitter {
  /** @internal */ readonly handle: UdpEndpoint;
  /** 'udp4' or 'udp6'. */
  readonly type: SocketType;
  private readonly binding: DgramBinding;
  private readonly lookupFn: SocketOptions['lookup'];
  private bindState = BIND_UNBOUND;
  private connectState = CONNECT_DISCONNECTED;
  private queue: Array<() => void> | undefined;
  private closed = false;
  private refed = true;
  private release: (() => void) | null = null;
  private recvBufferSize: number;
  private sendBufferSize: number;
  private readonly anySource = new Map<string, number>();
  private readonly sourceSpecific: Array<{ source: Uint8Array; group: Uint8Array }> = [];
  private lastHost = '';
  private lastIp: Uint8Array | null = null;

  /** Prefer `createSocket`; `listener` is added for `'message'`. */
  constructor(
    binding: DgramBinding,
    type: SocketType | SocketOptions,
    listener?: (msg: Buffer, rinfo: RemoteInfo) => void,
  ) {
    super();
    const opts: SocketOptions = typeof type === 'string' ? { type } : (type ?? ({} as SocketOptions));
    if (opts.type !== 'udp4' && opts.type !== 'udp6') throw codeError('ERR_SOCKET_BAD_TYPE');
    this.type = opts.type;
    this.binding = binding;
    this.lookupFn = opts.lookup ?? binding.lookup?.bind(binding);
    this.handle = openUdp(binding, this.type === 'udp4' ? 4 : 6);
    if (opts.ipv6Only && this.type === 'udp6') this.handle.ipv6Only = true;
    this.recvBufferSize = opts.recvBufferSize ? opts.recvBufferSize * 2 : DEFAULT_BUFFER;
    this.sendBufferSize = opts.sendBufferSize ? opts.sendBufferSize * 2 : DEFAULT_BUFFER;
    this.handle.onMessage = (data, info) => this.onMessage(data, info);
    // ICMP errors reach connected sockets (RFC 1122 §4.1.3.3); Node reports them from recvmsg.
    this.handle.onError = (kind) =>
      queueMicrotask(() => this.emit('error', systemError(udpErrno(kind), 'recvmsg')));
    if (listener) this.on('message', listener);
    const signal = opts.signal;
    if (signal) {
      const onAbort = () => {
        if (!this.closed) this.close();
      };
      if (signal.aborted) process.nextTick(onAbort);
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        this.once('close', () => signal.removeEventListener('abort', onAbort));
      }
    }
  }

  // ------------------------------------------------------------------ bind / connect

  /**
   * `bind([port][, address][, callback])` or `bind(options[, callback])`. Port 0 or none = ephemeral; the
   * address defaults to any (`0.0.0.0` / `::`). Emits `'listening'` (the callback), or `'error'`.
   */
  bind(
    port?: number | BindOptions | ((...a: unknown[]) => void),
    address?: string | (() => void),
    cb?: () => void,
  ): this {
    this.healthCheck();
    if (this.bindState !== BIND_UNBOUND) throw codeError('ERR_SOCKET_ALREADY_BOUND');
    let p: unknown = port;
    let addr: unknown = address;
    let callback: unknown = cb;
    if (typeof p === 'function') {
      callback = p;
      p = 0;
      addr = undefined;
    } else if (p !== null && typeof p === 'object') {
      const o = p as BindOptions;
      if (o.fd !== undefined)
        throw codeError('ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', 'bind({ fd }) is not supported');
      callback = addr;
      addr = o.address;
      p = o.port ?? 0;
    }
    if (typeof addr === 'function') {
      callback = addr;
      addr = undefined;
    }
    const portNum = p === undefined || p === null ? 0 : validatePort(p, 'Port', true);
    if (addr !== undefined && addr !== null && typeof addr !== 'string')
      throw invalidArgType('address', 'of type string', addr);
    this.bindState = BIND_BINDING;
    if (typeof callback === 'function') this.once('listening', callback as () => void);
    const host = (addr as string | undefined) || (this.type === 'udp4' ? '0.0.0.0' : '::');
    this.resolve(host, (err, ip) => {
      if (this.closed) return;
      if (err || !ip) {
        this.bindState = BIND_UNBOUND;
        this.emit('error', err);
        return;
      }
      const r = this.handle.bind(ip, portNum);
      this.binding.kick();
      if (r !== true) {
        this.bindState = BIND_UNBOUND;
        this.emit('error', systemError(udpErrno(r), 'bind', host, portNum));
        return;
      }
      this.bindState = BIND_BOUND;
      this.updateHold();
      this.emit('listening');
    });
    return this;
  }

  /** Fixes the peer (`connect(port[, address][, callback])`); emits `'connect'` or an error. */
  connect(port: number, address?: string | (() => void), callback?: (err?: Error) => void): void {
    const portNum = validatePort(port, 'Port', false);
    if (typeof address === 'function') {
      callback = address;
      address = '';
    } else if (address === undefined) address = '';
    if (typeof address !== 'string') throw invalidArgType('address', 'of type string', address);
    // Node would throw this from `once('connect', callback)`, possibly later from the bind queue: at once here.
    if (callback !== undefined && typeof callback !== 'function')
      throw invalidArgType('callback', 'of type function', callback);
    if (this.connectState !== CONNECT_DISCONNECTED) throw codeError('ERR_SOCKET_DGRAM_IS_CONNECTED');
    this.connectState = CONNECT_CONNECTING;
    if (this.bindState === BIND_UNBOUND) this.bind({ port: 0 });
    const go = () => this.doConnect(portNum, address as string, callback);
    if (this.bindState !== BIND_BOUND) this.enqueue(go);
    else go();
  }

  private doConnect(port: number, address: string, callback?: (err?: Error) => void): void {
    if (callback) this.once('connect', callback);
    const host = address || this.loopback();
    this.resolve(host, (err, ip) => {
      if (this.closed) return;
      let ex: Error | null = err;
      if (!ex && ip) {
        const r = this.handle.connect(ip, port);
        if (r !== true) ex = systemError(udpErrno(r), 'connect', host, port);
      }
      if (ex) {
        this.connectState = CONNECT_DISCONNECTED;
        if (callback) {
          this.removeListener('connect', callback);
          callback(ex);
        } else this.emit('error', ex);
        return;
      }
      this.connectState = CONNECT_CONNECTED;
      this.emit('connect');
    });
  }

  /** Forgets the peer set by `connect` (throws ERR_SOCKET_DGRAM_NOT_CONNECTED when not connected). */
  disconnect(): void {
    this.healthCheck();
    if (this.connectState !== CONNECT_CONNECTED) throw codeError('ERR_SOCKET_DGRAM_NOT_CONNECTED');
    this.handle.disconnect();
    this.connectState = CONNECT_DISCONNECTED;
  }

  /** The connected peer (throws ERR_SOCKET_DGRAM_NOT_CONNECTED when not connected). */
  remoteAddress(): AddressInfo {
    this.healthCheck();
    if (this.connectState !== CONNECT_CONNECTED || !this.handle.remoteAddress)
      throw codeError('ERR_SOCKET_DGRAM_NOT_CONNECTED');
    return {
      address: formatIp(this.handle.remoteAddress),
      family: this.familyName(),
      port: this.handle.remotePort,
    };
  }

  /** The bound address (throws `getsockname EBADF` before bind, like Node). */
  address(): AddressInfo {
    this.healthCheck();
    if (this.bindState !== BIND_BOUND) throw systemError('EBADF', 'getsockname');
    return {
      address: formatIp(this.handle.localAddress),
      family: this.familyName(),
      port: this.handle.localPort,
    };
  }

  // ------------------------------------------------------------------ send

  /**
   * `send(msg[, offset, length][, port][, address][, callback])`. `msg` is a Buffer, TypedArray, DataView,
   * string or an array of them. Unconnected sockets need `port`; the address defaults to loopback
   * (`127.0.0.1` / `::1`). The callback gets `(err, bytes)`; without one, send errors are dropped (as Node
   * does), and only a failed name lookup is emitted as `'error'`.
   */
  send(
    msg: Msg,
    offset: number,
    length: number,
    port?: number,
    address?: string,
    callback?: SendCallback,
  ): void;
  send(msg: Msg, offset: number, length: number, port?: number, callback?: SendCallback): void;
  send(msg: Msg, offset: number, length: number, callback?: SendCallback): void;
  send(msg: Msg, port?: number, address?: string, callback?: SendCallback): void;
  send(msg: Msg, port?: number, callback?: SendCallback): void;
  send(msg: Msg, callback?: SendCallback): void;
  send(msg: Msg, ...rest: unknown[]): void {
    let [offset, length, port, address, callback] = rest as [unknown, unknown, unknown, unknown, unknown];
    let buffer: unknown = msg;
    const connected = this.connectState === CONNECT_CONNECTED;
    if (!connected) {
      if (address || (port && typeof port !== 'function')) buffer = sliceBuffer(buffer, offset, length);
      else {
        callback = port;
        port = offset;
        address = length;
      }
    } else {
      if (typeof length === 'number') {
        buffer = sliceBuffer(buffer, offset, length);
        if (typeof port === 'function') {
          callback = port;
          port = null;
        }
      } else callback = offset;
      if (port || address) throw codeError('ERR_SOCKET_DGRAM_IS_CONNECTED');
    }
    const data = toBytes(buffer);
    let portNum = 0;
    if (!connected) portNum = validatePort(port, 'Port', false);
    if (typeof callback !== 'function') callback = undefined;
    if (typeof address === 'function') {
      callback = address;
      address = undefined;
    } else if (address !== null && address !== undefined && typeof address !== 'string')
      throw invalidArgType('address', 'of type string', address);
    this.healthCheck();
    this.sendBound(
      data,
      portNum,
      address as string | undefined,
      callback as SendCallback | undefined,
      connected,
    );
  }

  private sendBound(
    data: Uint8Array,
    port: number,
    address: string | undefined,
    callback: SendCallback | undefined,
    connected: boolean,
  ): void {
    if (this.bindState === BIND_UNBOUND) this.bind({ port: 0 });
    if (this.bindState !== BIND_BOUND) {
      this.enqueue(() => this.sendBound(data, port, address, callback, connected));
      return;
    }
    if (connected) {
      this.doSend(data, null, '', 0, callback);
      return;
    }
    const host = address || this.loopback();
    this.resolve(host, (err, ip) => {
      if (err) {
        if (callback) callback(err);
        else this.emit('error', err);
        return;
      }
      this.doSend(data, ip, host, port, callback);
    });
  }

  private doSend(
    data: Uint8Array,
    ip: Uint8Array | null,
    host: string,
    port: number,
    callback: SendCallback | undefined,
  ): void {
    if (this.closed) return;
    syncStacks(this.binding);
    const r = ip ? this.handle.send(data, ip, port) : this.handle.send(data);
    this.binding.kick();
    if (!callback) return;
    if (r === true) process.nextTick(callback, null, data.length);
    else
      process.nextTick(
        callback,
        ip ? systemError(udpErrno(r), 'send', host, port) : systemError(udpErrno(r), 'send'),
      );
  }

  // ------------------------------------------------------------------ close, ref

  /** Closes the socket; `'close'` follows (the callback). Throws ERR_SOCKET_DGRAM_NOT_RUNNING when closed. */
  close(callback?: () => void): this {
    if (typeof callback === 'function') this.on('close', callback);
    if (this.queue !== undefined) {
      this.queue.push(() => this.close());
      return this;
    }
    this.healthCheck();
    this.closed = true;
    this.handle.close();
    this.binding.kick();
    this.updateHold();
    process.nextTick(() => this.emit('close'));
    return this;
  }

  /** `await using` support, as Node's: closes the socket unless already closed. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.closed) return;
    await new Promise<void>((resolve) => this.close(() => resolve()));
  }

  /** Keeps the process alive while bound (the default). */
  ref(): this {
    this.refed = true;
    this.updateHold();
    return this;
  }

  /** Lets the process exit even while this socket is open. */
  unref(): this {
    this.refed = false;
    this.updateHold();
    return this;
  }

  private updateHold(): void {
    const want = this.refed && !this.closed && this.bindState === BIND_BOUND;
    if (want && !this.release && this.binding.hold) this.release = this.binding.hold();
    else if (!want && this.release) {
      this.release();
      this.release = null;
    }
  }

  // ------------------------------------------------------------------ options

  /** SO_BROADCAST: allow sending to broadcast addresses. */
  setBroadcast(flag: boolean): void {
    this.requireBound('setBroadcast');
    this.handle.broadcast = !!flag;
  }

  /** IP_TTL / IPV6_UNICAST_HOPS (1..255). */
  setTTL(ttl: number): number {
    if (typeof ttl !== 'number') throw invalidArgType('ttl', 'of type number', ttl);
    this.requireBound('setTTL');
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > 255) throw systemError('EINVAL', 'setTTL');
    this.handle.ttl = ttl;
    return ttl;
  }

  /** IP_MULTICAST_TTL / IPV6_MULTICAST_HOPS (0..255). */
  setMulticastTTL(ttl: number): number {
    if (typeof ttl !== 'number') throw invalidArgType('ttl', 'of type number', ttl);
    this.requireBound('setMulticastTTL');
    if (!Number.isInteger(ttl) || ttl < 0 || ttl > 255) throw systemError('EINVAL', 'setMulticastTTL');
    this.handle.multicastTtl = ttl;
    return ttl;
  }

  /** IP_MULTICAST_LOOP: also deliver our multicasts to this host's members (default on). */
  setMulticastLoopback(flag: boolean): boolean {
    this.requireBound('setMulticastLoopback');
    this.handle.multicastLoopback = !!flag;
    return flag;
  }

  /** IP_MULTICAST_IF: must be one of this stack's addresses (there is one interface), or any. */
  setMulticastInterface(interfaceAddress: string): void {
    this.healthCheck();
    if (typeof interfaceAddress !== 'string')
      throw invalidArgType('interfaceAddress', 'of type string', interfaceAddress);
    this.requireBound('setMulticastInterface');
    const ip = parseIp(interfaceAddress.split('%')[0]);
    if (!ip || ip.length !== (this.type === 'udp4' ? 4 : 16))
      throw systemError('EINVAL', 'setMulticastInterface');
    if (!isUnspecified(ip) && !this.isOurs(ip)) throw systemError('EADDRNOTAVAIL', 'setMulticastInterface');
    // Several networks: multicast leaves through the one that has this address (the first when any).
    if (this.handle instanceof MultiUdp) this.handle.setMulticastInterface(ip);
  }

  /** Joins `multicastAddress` (IP_ADD_MEMBERSHIP / IPV6_JOIN_GROUP); `interfaceAddress` must be ours. */
  addMembership(multicastAddress: string, interfaceAddress?: string): void {
    this.healthCheck();
    if (!multicastAddress)
      throw codeError('ERR_MISSING_ARGS', 'The "multicastAddress" argument must be specified');
    const group = this.groupArg(multicastAddress, interfaceAddress, 'addMembership');
    this.handle.addMembership(group);
    const k = formatIp(group);
    this.anySource.set(k, (this.anySource.get(k) ?? 0) + 1);
    this.binding.kick();
  }

  /** Leaves a group joined with {@link addMembership} (EADDRNOTAVAIL when not joined, as Linux). */
  dropMembership(multicastAddress: string, interfaceAddress?: string): void {
    this.healthCheck();
    if (!multicastAddress)
      throw codeError('ERR_MISSING_ARGS', 'The "multicastAddress" argument must be specified');
    const group = this.groupArg(multicastAddress, interfaceAddress, 'dropMembership');
    const k = formatIp(group);
    const n = this.anySource.get(k) ?? 0;
    if (n === 0 || !this.handle.dropMembership(group)) throw systemError('EADDRNOTAVAIL', 'dropMembership');
    if (n === 1) this.anySource.delete(k);
    else this.anySource.set(k, n - 1);
    this.binding.kick();
  }

  /** Joins `groupAddress` for datagrams from `sourceAddress` only (RFC 4607 SSM, filtered in this socket). */
  addSourceSpecificMembership(sourceAddress: string, groupAddress: string, interfaceAddress?: string): void {
    const syscall = 'addSourceSpecificMembership';
    const { group, source, index } = this.ssmArgs(sourceAddress, groupAddress, interfaceAddress, syscall);
    if (!source || isMulticast(source)) throw systemError('EINVAL', syscall);
    if (index >= 0) throw systemError('EADDRINUSE', syscall);
    this.handle.addMembership(group);
    this.sourceSpecific.push({ source, group });
    this.binding.kick();
  }

  /** Leaves a source-specific membership. */
  dropSourceSpecificMembership(sourceAddress: string, groupAddress: string, interfaceAddress?: string): void {
    const syscall = 'dropSourceSpecificMembership';
    const { group, index } = this.ssmArgs(sourceAddress, groupAddress, interfaceAddress, syscall);
    if (index < 0) throw systemError('EADDRNOTAVAIL', syscall);
    this.sourceSpecific.splice(index, 1);
    this.handle.dropMembership(group);
    this.binding.kick();
  }

  /** The checked arguments of the source-specific calls, and where that (source, group) is in our list (-1: not). */
  private ssmArgs(sourceText: string, groupText: string, iface: string | undefined, syscall: string) {
    this.healthCheck();
    if (typeof sourceText !== 'string') throw invalidArgType('sourceAddress', 'of type string', sourceText);
    if (typeof groupText !== 'string') throw invalidArgType('groupAddress', 'of type string', groupText);
    const group = this.groupArg(groupText, iface, syscall);
    const source = this.parseFamily(sourceText);
    const index = source
      ? this.sourceSpecific.findIndex((m) => ipEqual(m.source, source) && ipEqual(m.group, group))
      : -1;
    return { group, source, index };
  }

  /** SO_RCVBUF as Linux reports it (twice the value set). */
  getRecvBufferSize(): number {
    this.bufferCheck();
    return this.recvBufferSize;
  }

  /** SO_SNDBUF as Linux reports it (twice the value set). */
  getSendBufferSize(): number {
    this.bufferCheck();
    return this.sendBufferSize;
  }

  /** Sets SO_RCVBUF. */
  setRecvBufferSize(size: number): void {
    this.bufferCheck(size);
    if (size > 0) this.recvBufferSize = size * 2;
  }

  /** Sets SO_SNDBUF. */
  setSendBufferSize(size: number): void {
    this.bufferCheck(size);
    if (size > 0) this.sendBufferSize = size * 2;
  }

  /** Bytes waiting to be sent: always 0 (the stack frames a datagram when `send` runs). */
  getSendQueueSize(): number {
    return 0;
  }

  /** Datagrams waiting to be sent: always 0 (see {@link getSendQueueSize}). */
  getSendQueueCount(): number {
    return 0;
  }

  // ------------------------------------------------------------------ internals

  private onMessage(data: Uint8Array, info: UdpRemoteInfo): void {
    if (this.closed) return;
    if (isMulticast(info.localAddress) && this.sourceSpecific.length > 0 && !this.wanted(info)) return;
    const msg = Buffer.from(data.buffer, data.byteOffset, data.length);
    const rinfo: RemoteInfo = {
      address: formatIp(info.address),
      family: info.address.length === 4 ? 'IPv4' : 'IPv6',
      port: info.port,
      size: info.size,
    };
    // Delivered after the stack finishes the frame (Node emits from the event loop, never inside a send).
    queueMicrotask(() => {
      if (!this.closed) this.emit('message', msg, rinfo);
    });
  }

  private wanted(info: UdpRemoteInfo): boolean {
    const g = info.localAddress;
    if ((this.anySource.get(formatIp(g)) ?? 0) > 0) return true;
    let filtered = false;
    for (const m of this.sourceSpecific) {
      if (!ipEqual(m.group, g)) continue;
      filtered = true;
      if (ipEqual(m.source, info.address)) return true;
    }
    return !filtered;
  }

  private enqueue(fn: () => void): void {
    if (this.queue === undefined) {
      this.queue = [];
      const onListening = () => {
        this.removeListener('error', onError);
        const q = this.queue ?? [];
        this.queue = undefined;
        for (const f of q) f();
      };
      const onError = () => {
        this.removeListener('listening', onListening);
        this.queue = undefined;
      };
      this.once('listening', onListening);
      this.once('error', onError);
    }
    this.queue.push(fn);
  }

  private healthCheck(): void {
    if (this.closed) throw codeError('ERR_SOCKET_DGRAM_NOT_RUNNING');
  }

  private requireBound(syscall: string): void {
    this.healthCheck();
    // Node's handle has no descriptor before bind: libuv answers EBADF.
    if (this.bindState !== BIND_BOUND) throw systemError('EBADF', syscall);
  }

  private bufferCheck(size?: number): void {
    if (size !== undefined && (typeof size !== 'number' || size >>> 0 !== size)) {
      const e = codeError('ERR_SOCKET_BAD_BUFFER_SIZE', 'Buffer size must be a positive integer');
      throw Object.setPrototypeOf(e, TypeError.prototype);
    }
    if (this.closed || this.bindState !== BIND_BOUND)
      throw codeError(
        'ERR_SOCKET_BUFFER_SIZE',
        'Could not get or set buffer size: EBADF (bad file descriptor)',
      );
  }

  private familyName(): 'IPv4' | 'IPv6' {
    return this.type === 'udp4' ? 'IPv4' : 'IPv6';
  }

  private loopback(): string {
    return this.type === 'udp4' ? '127.0.0.1' : '::1';
  }

  private isOurs(ip: Uint8Array): boolean {
    return stacksOf(this.binding).some((r) =>
      r.stack.addresses().some((a) => {
        const x = parseIp(a.address);
        return x !== null && ipEqual(x, ip);
      }),
    );
  }

  /** Parses an address for this socket's family; a udp6 socket takes IPv4 as v4-mapped. */
  private parseFamily(text: string): Uint8Array | null {
    const ip = parseIp(text.split('%')[0]);
    if (!ip) return null;
    if (this.type === 'udp6' && ip.length === 4) return toV4Mapped(ip);
    if (this.type === 'udp4' && ip.length !== 4) return null;
    return ip;
  }

  private groupArg(groupText: string, iface: string | undefined, syscall: string): Uint8Array {
    if (typeof groupText !== 'string') throw invalidArgType('multicastAddress', 'of type string', groupText);
    if (iface !== undefined && typeof iface !== 'string')
      throw invalidArgType('interfaceAddress', 'of type string', iface);
    const group = this.parseFamily(groupText);
    if (!group || !isMulticast(group)) throw systemError('EINVAL', syscall);
    if (iface !== undefined) {
      const i = parseIp(iface.split('%')[0]);
      if (!i) throw systemError('EINVAL', syscall);
      if (!isUnspecified(i) && !this.isOurs(i)) throw systemError('ENODEV', syscall);
    }
    return group;
  }

  /** Resolves `host` for this socket's family, always asynchronously (Node's lookup is). */
  private resolve(host: string, cb: (err: DgramSystemError | null, ip: Uint8Array | null) => void): void {
    const family = this.type === 'udp4' ? 4 : 6;
    if (host === this.lastHost && this.lastIp) {
      // A stream of sends to one peer parses its address once (never mutated: safe to share).
      process.nextTick(cb, null, this.lastIp);
      return;
    }
    const literal = host === 'localhost' ? this.loopback() : host;
    const ip = parseIp(literal.split('%')[0]);
    if (ip) {
      const mapped = family === 6 && ip.length === 4 ? toV4Mapped(ip) : ip;
      if (mapped.length === (family === 4 ? 4 : 16)) {
        this.lastHost = host;
        this.lastIp = mapped;
      }
      // Node's handle refuses an address of the other family (udp4 given '::1'): EINVAL.
      if (mapped.length !== (family === 4 ? 4 : 16))
        process.nextTick(cb, systemError('EINVAL', 'bind', host), null);
      else process.nextTick(cb, null, mapped);
      return;
    }
    if (!this.lookupFn) {
      process.nextTick(cb, systemError('ENOTFOUND', 'getaddrinfo', host), null);
      return;
    }
    this.lookupFn(host, { family }, (err, address) => {
      if (err) {
        cb(err as DgramSystemError, null);
        return;
      }
      const r = parseIp(address);
      if (!r) cb(systemError('ENOTFOUND', 'getaddrinfo', host), null);
      else cb(null, family === 6 && r.length === 4 ? toV4Mapped(r) : r);
    });
  }
}

/** Node's validatePort: an integer (or numeric string) 0..65535, and > 0 unless `allowZero`. */
function validatePort(port: unknown, name: string, allowZero: boolean): number {
  const n = typeof port === 'string' && port.trim() !== '' ? Number(port) : port;
  if (
    typeof n !== 'number' ||
    !Number.isInteger(n) ||
    n < 0 ||
    n > 65535 ||
    (n === 0 && !allowZero) ||
    (typeof port !== 'number' && typeof port !== 'string')
  )
    throw badPort(name, port, allowZero);
  return n;
}

function asView(b: unknown): Uint8Array | null {
  if (typeof b === 'string') return Buffer.from(b);
  if (ArrayBuffer.isView(b)) return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return null;
}

/** Node's sliceBuffer: `offset`/`length` select part of `msg` (ERR_BUFFER_OUT_OF_BOUNDS when outside). */
function sliceBuffer(buffer: unknown, offset: unknown, length: unknown): Uint8Array {
  const v = asView(buffer);
  if (!v) throw invalidArgType('buffer', 'an instance of Buffer, TypedArray, DataView or string', buffer);
  const off = (offset as number) >>> 0;
  const len = (length as number) >>> 0;
  if (off > v.byteLength)
    throw Object.setPrototypeOf(
      codeError('ERR_BUFFER_OUT_OF_BOUNDS', '"offset" is outside of buffer bounds'),
      RangeError.prototype,
    );
  if (off + len > v.byteLength)
    throw Object.setPrototypeOf(
      codeError('ERR_BUFFER_OUT_OF_BOUNDS', '"length" is outside of buffer bounds'),
      RangeError.prototype,
    );
  return v.subarray(off, off + len);
}

/** One datagram payload from a message or a list of them (a list is concatenated; a single buffer is used as is, as Node keeps a reference until the send happens). */
function toBytes(buffer: unknown): Uint8Array {
  if (Array.isArray(buffer)) {
    const parts: Uint8Array[] = [];
    for (const b of buffer) {
      const v = asView(b);
      if (!v)
        throw invalidArgType(
          'buffer list arguments',
          'an instance of Buffer, TypedArray, DataView or string',
          b,
        );
      parts.push(v);
    }
    return Buffer.concat(parts);
  }
  const v = asView(buffer);
  if (!v) throw invalidArgType('buffer', 'an instance of Buffer, TypedArray, DataView or string', buffer);
  return v;
}
