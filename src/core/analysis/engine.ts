/**
 * The analyzer's bulk NetworkPolicy engine.
 *
 * It answers "which sources does this destination admit on port P" and "which destinations may
 * this source reach on port P" as bit sets over the pod classes, so checking every meshed workload
 * against the control plane, or every meshed workload of a namespace against every other one, costs
 * a few word operations per class instead of a comparison per pair:
 *
 * - policies are indexed by namespace and by a `key=value` pair of their `podSelector`, so finding
 *   the policies that select a class never scans every policy;
 * - a rule peer's selection (a bit set over classes) is computed once per distinct peer, using the
 *   per-namespace label postings;
 * - the set a side admits is cached by the list of policies selecting the pod (plus the pod's ports
 *   when a rule names ports), so classes under the same policies share one computation.
 *
 * Its results agree with {@link evaluateNetworkPolicyConnection}, the pair-by-pair reference (a test checks it).
 */
import type { L4Protocol } from '../k8s';
import { Bitset } from './bitset';
import { blockAdmits, type IpRange } from './ip';
import type { AddressEndpoint, ClassIndex, ClusterModel, PodClass } from './model';
import { indexClasses } from './model';
import { CompiledPeer, CompiledPolicy, CompiledRule, rulePortsMatch } from './netpol';
import { pairKey } from '../selectors';

/** Policies selecting one class, per direction. */
export interface SelectingPolicies {
  readonly ingress: readonly CompiledPolicy[];
  readonly egress: readonly CompiledPolicy[];
  /** Cache keys (`ids`) of each list. */
  readonly ingressKey: string;
  readonly egressKey: string;
}

interface PolicyIndex {
  readonly byPair: Map<string, CompiledPolicy[]>;
  readonly scan: CompiledPolicy[];
  /**
   * The result for a class that no indexed policy may select, when every scanned policy selects
   * every pod (the usual namespace-wide deny-all and allow rules): shared by those classes.
   */
  scanOnly?: SelectingPolicies;
}

function selectingPolicies(ingress: CompiledPolicy[], egress: CompiledPolicy[]): SelectingPolicies {
  return { ingress, egress, ingressKey: ingress.map((p) => p.id).join(','), egressKey: egress.map((p) => p.id).join(',') };
}

const NO_POLICIES: SelectingPolicies = selectingPolicies([], []);

/**
 * True when every address range of the endpoint is admitted by some rule (admitting every peer, or
 * by an ipBlock): an endpoint with several ranges may connect from any of them.
 */
function rulesAdmitAddress(rules: readonly CompiledRule[], addr: AddressEndpoint): boolean {
  const admits = (r: CompiledRule, range: IpRange) => r.peers === 'all' || r.peers.some((peer) => peer.kind === 'ip' && blockAdmits(peer.ipBlock!, [range]));
  return addr.ranges.length > 0 && addr.ranges.every((range) => rules.some((r) => admits(r, range)));
}

/** The engine over one model. */
export class PolicyEngine {
  /** Number of classes (size of every bit set). */
  public readonly size: number;
  /** The class index. */
  public readonly index: ClassIndex;
  private readonly policyIndex = new Map<string, PolicyIndex>();
  private readonly selecting: Array<SelectingPolicies | undefined>;
  private readonly peerSets = new Map<string, Bitset>();
  private readonly namespaceMatches = new Map<string, string[]>();
  private readonly namedPortSets = new Map<string, Bitset>();
  private readonly nsSets = new Map<string, Bitset>();
  private readonly admittedCache = new Map<string, Bitset>();
  private readonly addressCache = new Map<string, boolean>();
  private allSet?: Bitset;

  public constructor(public readonly model: ClusterModel) {
    this.size = model.classes.length;
    this.index = indexClasses(model.classes);
    this.selecting = new Array(this.size);
    for (const p of model.policies) {
      let idx = this.policyIndex.get(p.namespace);
      if (!idx) this.policyIndex.set(p.namespace, (idx = { byPair: new Map(), scan: [] }));
      const pair = p.podSelector.requiredPairs[0];
      if (pair === undefined) {
        idx.scan.push(p);
      } else {
        let l = idx.byPair.get(pair);
        if (!l) idx.byPair.set(pair, (l = []));
        l.push(p);
      }
    }
  }

  /** The policies selecting a class (host-network pods: none). */
  public policiesFor(cls: PodClass): SelectingPolicies {
    const cached = this.selecting[cls.index];
    if (cached) return cached;
    const idx = this.policyIndex.get(cls.namespace);
    let result = NO_POLICIES;
    if (idx && !cls.hostNetwork) {
      let indexed: CompiledPolicy[] | undefined;
      for (const k of Object.keys(cls.labels)) {
        const l = idx.byPair.get(pairKey(k, cls.labels[k]));
        if (l) (indexed ??= []).push(...l);
      }
      if (!indexed && idx.scan.every((p) => p.podSelector.matchesAll)) {
        idx.scanOnly ??= this.select(idx.scan, cls);
        result = idx.scanOnly;
      } else {
        result = this.select(indexed ? [...new Set([...idx.scan, ...indexed])] : idx.scan, cls);
      }
    }
    this.selecting[cls.index] = result;
    return result;
  }

  /** The candidates selecting `cls`, in policy order, per direction. */
  private select(candidates: readonly CompiledPolicy[], cls: PodClass): SelectingPolicies {
    const ingress: CompiledPolicy[] = [];
    const egress: CompiledPolicy[] = [];
    for (const p of [...candidates].sort((a, b) => a.id - b.id)) {
      if (!p.podSelector.matches(cls.labels)) continue;
      if (p.ingress) ingress.push(p);
      if (p.egress) egress.push(p);
    }
    return selectingPolicies(ingress, egress);
  }

  /** The classes of a namespace. */
  public namespaceSet(ns: string): Bitset {
    let s = this.nsSets.get(ns);
    if (!s) {
      s = Bitset.of(this.size, this.index.byNamespace.get(ns) ?? []);
      this.nsSets.set(ns, s);
    }
    return s;
  }

  private matchingNamespaces(peer: CompiledPeer): string[] {
    if (!peer.namespaceSelector) return [peer.policyNamespace];
    const key = peer.namespaceSelector.key;
    let list = this.namespaceMatches.get(key);
    if (!list) {
      list = [...this.index.byNamespace.keys()].filter((ns) => peer.namespaceSelector!.matches(this.model.namespaceLabels(ns)));
      this.namespaceMatches.set(key, list);
    }
    return list;
  }

  /** The classes a peer selects (cached per distinct peer). */
  public peerSet(peer: CompiledPeer): Bitset {
    const cached = this.peerSets.get(peer.key);
    if (cached) return cached;
    const set = Bitset.empty(this.size);
    if (peer.kind === 'ip') {
      for (const i of this.index.withRanges) {
        const c = this.model.classes[i];
        if (!c.hostNetwork && blockAdmits(peer.ipBlock!, c.ranges)) set.add(i);
      }
    } else if (peer.kind === 'pods') {
      const sel = peer.podSelector;
      for (const ns of this.matchingNamespaces(peer)) {
        if (!sel || sel.matchesAll) {
          set.orWith(this.namespaceSet(ns));
          continue;
        }
        const postings = this.index.postings.get(ns);
        let candidates: readonly number[] | undefined;
        for (const pair of sel.requiredPairs) {
          const l = postings?.get(pair) ?? [];
          if (!candidates || l.length < candidates.length) candidates = l;
        }
        for (const i of candidates ?? this.index.byNamespace.get(ns) ?? []) {
          if (sel.matches(this.model.classes[i].labels)) set.add(i);
        }
      }
      // traffic from host-network pods does not come from a pod address: selectors never match it
      for (const i of set) if (this.model.classes[i].hostNetwork) set.delete(i);
    }
    this.peerSets.set(peer.key, set);
    return set;
  }

  /** The classes with a container port of that name, number and protocol. */
  private namedPortSet(name: string, port: number, protocol: L4Protocol): Bitset {
    const key = `${name}/${port}/${protocol}`;
    let s = this.namedPortSets.get(key);
    if (!s) {
      s = Bitset.empty(this.size);
      for (const c of this.model.classes) if (c.ports.some((p) => p.name === name && p.port === port && p.protocol === protocol)) s.add(c.index);
      this.namedPortSets.set(key, s);
    }
    return s;
  }

  /** Destinations whose ports a rule admits for `port`/`protocol` (`all` or a set). */
  private rulePortDestinations(rule: CompiledRule, port: number, protocol: L4Protocol): Bitset | 'all' | 'none' {
    if (rule.ports === 'all') return 'all';
    let numeric = false;
    const named: Bitset[] = [];
    for (const p of rule.ports) {
      if (p.protocol !== protocol) continue;
      if (p.kind === 'any' || (p.kind === 'range' && port >= p.first! && port <= p.last!)) numeric = true;
      else if (p.kind === 'named') named.push(this.namedPortSet(p.name!, port, protocol));
    }
    if (numeric) return 'all';
    if (named.length === 0) return 'none';
    const s = Bitset.empty(this.size);
    for (const n of named) s.orWith(n);
    return s;
  }

  /** True when a class is isolated for ingress. */
  public ingressIsolated(cls: PodClass): boolean {
    return this.policiesFor(cls).ingress.length > 0;
  }

  /** True when a class is isolated for egress. */
  public egressIsolated(cls: PodClass): boolean {
    return this.policiesFor(cls).egress.length > 0;
  }

  /**
   * The source classes the destination admits on `port`/`protocol` (every class when the
   * destination is not isolated for ingress). The result is shared: do not modify it.
   */
  public ingressAdmitted(dst: PodClass, port: number, protocol: L4Protocol): Bitset {
    const pols = this.policiesFor(dst);
    if (pols.ingress.length === 0) return this.all();
    const named = pols.ingress.some((p) => p.ingress!.some((r) => r.hasNamedPorts));
    const key = `in|${pols.ingressKey}|${port}/${protocol}|${named ? dst.index : ''}`;
    let set = this.admittedCache.get(key);
    if (set) return set;
    set = Bitset.empty(this.size);
    outer: for (const p of pols.ingress) {
      for (const r of p.ingress!) {
        if (!rulePortsMatch(r, dst.ports, port, protocol)) continue;
        if (r.peers === 'all') {
          set = this.all();
          break outer;
        }
        for (const peer of r.peers) set.orWith(this.peerSet(peer));
      }
    }
    this.admittedCache.set(key, set);
    return set;
  }

  /**
   * The destination classes the source may reach on `port`/`protocol` (every class when the source
   * is not isolated for egress). Shared result: do not modify it.
   */
  public egressAdmitted(src: PodClass, port: number, protocol: L4Protocol): Bitset {
    const pols = this.policiesFor(src);
    if (pols.egress.length === 0) return this.all();
    const key = `out|${pols.egressKey}|${port}/${protocol}`;
    let set = this.admittedCache.get(key);
    if (set) return set;
    set = Bitset.empty(this.size);
    for (const p of pols.egress) {
      for (const r of p.egress!) {
        const portSet = this.rulePortDestinations(r, port, protocol);
        if (portSet === 'none') continue;
        const peers = r.peers === 'all' ? this.all() : r.peers.reduce((acc, peer) => acc.orWith(this.peerSet(peer)), Bitset.empty(this.size));
        set.orWith(portSet === 'all' ? peers : peers.and(portSet));
      }
    }
    this.admittedCache.set(key, set);
    return set;
  }

  /**
   * Does the destination class admit an address on `port`/`protocol`? An endpoint with several
   * ranges (an API server with IPv4 and IPv6 addresses) may connect from any of them, so each range
   * must be admitted (by any rule).
   */
  public ingressAdmitsAddress(dst: PodClass, addr: AddressEndpoint, port: number, protocol: L4Protocol): boolean {
    const pols = this.policiesFor(dst);
    if (pols.ingress.length === 0) return true;
    const named = pols.ingress.some((p) => p.ingress!.some((r) => r.hasNamedPorts));
    const key = `in|${pols.ingressKey}|${named ? dst.index : ''}|${port}/${protocol}|${addr.kind}:${addr.ref}`;
    let ok = this.addressCache.get(key);
    if (ok === undefined) this.addressCache.set(key, (ok = this.ingressAdmitsAddressUncached(dst, addr, port, protocol)));
    return ok;
  }

  private ingressAdmitsAddressUncached(dst: PodClass, addr: AddressEndpoint, port: number, protocol: L4Protocol): boolean {
    const rules = this.policiesFor(dst).ingress.flatMap((p) => p.ingress!).filter((r) => rulePortsMatch(r, dst.ports, port, protocol));
    return rulesAdmitAddress(rules, addr);
  }

  /** May the source class reach an address on `port`/`protocol`? (Each of its ranges, as for ingress.) */
  public egressAdmitsAddress(src: PodClass, addr: AddressEndpoint, port: number, protocol: L4Protocol): boolean {
    const pols = this.policiesFor(src);
    if (pols.egress.length === 0) return true;
    const key = `out|${pols.egressKey}|${port}/${protocol}|${addr.kind}:${addr.ref}`;
    let ok = this.addressCache.get(key);
    if (ok === undefined) this.addressCache.set(key, (ok = this.egressAdmitsAddressUncached(src, addr, port, protocol)));
    return ok;
  }

  private egressAdmitsAddressUncached(src: PodClass, addr: AddressEndpoint, port: number, protocol: L4Protocol): boolean {
    const rules = this.policiesFor(src).egress.flatMap((p) => p.egress!).filter((r) => rulePortsMatch(r, addr.ports, port, protocol));
    return rulesAdmitAddress(rules, addr);
  }

  /** The set of every class (shared). */
  public all(): Bitset {
    if (!this.allSet) this.allSet = Bitset.full(this.size);
    return this.allSet;
  }
}
