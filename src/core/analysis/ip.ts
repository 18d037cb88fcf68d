/**
 * IP address ranges, as NetworkPolicy `ipBlock`s and Linkerd `NetworkAuthentication`s see them.
 *
 * Addresses are parsed to `bigint`s so IPv4 and IPv6 share one code path. An endpoint of the
 * analysis (a pod with a known IP, an external workload, the Kubernetes API server) owns a list of
 * {@link IpRange}s; an `ipBlock` admits it only when every one of its ranges lies inside `cidr` and
 * outside every `except`. A single address is a range of one.
 */
/* eslint-disable no-bitwise -- address arithmetic on bigints */
import { isIP } from 'net';

/** A contiguous range of addresses of one family. */
export interface IpRange {
  /** 4 or 6. */
  readonly family: 4 | 6;
  /** First address. */
  readonly first: bigint;
  /** Last address (inclusive). */
  readonly last: bigint;
}

function parseIpv4(ip: string): bigint {
  return ip.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function parseIpv6(ip: string): bigint {
  let text = ip;
  // an embedded IPv4 tail (::ffff:10.0.0.1)
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = parseIpv4(tail);
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const headParts = head ? head.split(':') : [];
  const restParts = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const fill = rest === undefined ? 0 : 8 - headParts.length - restParts.length;
  const parts = [...headParts, ...new Array<string>(fill).fill('0'), ...restParts];
  return parts.reduce((acc, part) => (acc << 16n) | BigInt(parseInt(part, 16)), 0n);
}

/** Parses an IP address; undefined when it is not one. */
export function parseIp(ip: string): { family: 4 | 6; value: bigint } | undefined {
  const family = isIP(ip);
  if (family === 4) return { family: 4, value: parseIpv4(ip) };
  if (family === 6) return { family: 6, value: parseIpv6(ip) };
  return undefined;
}

/** The range of a CIDR (host bits ignored, as Kubernetes does) or of a single address; undefined when invalid. */
export function parseRange(text: string): IpRange | undefined {
  const slash = text.indexOf('/');
  const addr = parseIp(slash === -1 ? text : text.slice(0, slash));
  if (!addr) return undefined;
  const width = addr.family === 4 ? 32 : 128;
  let bits = width;
  if (slash !== -1) {
    const suffix = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(suffix)) return undefined;
    bits = Number(suffix);
    if (bits > width) return undefined;
  }
  const hostBits = BigInt(width - bits);
  const first = (addr.value >> hostBits) << hostBits;
  const last = first + (1n << hostBits) - 1n;
  return { family: addr.family, first, last };
}

/** True when `inner` lies entirely inside `outer`. */
export function rangeWithin(inner: IpRange, outer: IpRange): boolean {
  return inner.family === outer.family && inner.first >= outer.first && inner.last <= outer.last;
}

/** True when the two ranges share an address. */
export function rangesOverlap(a: IpRange, b: IpRange): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

/** A parsed `ipBlock` (or NetworkAuthentication network): a CIDR minus exceptions. */
export interface IpBlockRange {
  /** The block. */
  readonly cidr: IpRange;
  /** Ranges carved out of it. */
  readonly except: readonly IpRange[];
}

/** Parses `{ cidr, except }`; undefined when the CIDR is invalid (invalid exceptions are dropped). */
export function parseIpBlock(block: { cidr: string; except?: readonly string[] }): IpBlockRange | undefined {
  const cidr = typeof block.cidr === 'string' ? parseRange(block.cidr) : undefined;
  if (!cidr) return undefined;
  const except = (block.except ?? []).map((e) => parseRange(e)).filter((r): r is IpRange => r !== undefined);
  return { cidr, except };
}

/**
 * True when the block admits every address of every range (and there is at least one range).
 * Ranges of an unknown address (e.g. "somewhere on the internet" = `0.0.0.0/0`) are admitted only by
 * blocks that admit all of them, which is the safe reading.
 */
export function blockAdmits(block: IpBlockRange, ranges: readonly IpRange[]): boolean {
  if (ranges.length === 0) return false;
  return ranges.every((r) => rangeWithin(r, block.cidr) && block.except.every((e) => !rangesOverlap(r, e)));
}

/** Formats a range back to CIDR text when it is one (used in messages). */
export function formatRange(range: IpRange): string {
  const width = range.family === 4 ? 32 : 128;
  const size = range.last - range.first + 1n;
  let bits = width;
  let s = size;
  while (s > 1n) {
    s >>= 1n;
    bits--;
  }
  const addr = range.family === 4 ? formatIpv4(range.first) : formatIpv6(range.first);
  return bits === width ? addr : `${addr}/${bits}`;
}

function formatIpv4(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
}

function formatIpv6(v: bigint): string {
  const parts: string[] = [];
  for (let i = 7; i >= 0; i--) parts.push(((v >> BigInt(i * 16)) & 0xffffn).toString(16));
  return parts.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}
