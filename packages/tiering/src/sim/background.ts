/**
 * Background CPU by actor (kswapd<nid>, mover, sampler, a plugin part's name): what kernel
 * threads spend, apart from the application's time. charge() runs per sample and per move, so
 * it keeps the sums in a typed array and remembers the last actor: a string-keyed object
 * would look the name up and box a fresh number on every charge.
 */
export class BackgroundCpu {
  private readonly names: string[] = [];
  private ns = new Float64Array(8);
  private lastActor = "";
  private last = -1;

  charge(actor: string, ns: number): void {
    if (actor !== this.lastActor) {
      let i = this.names.indexOf(actor);
      if (i < 0) {
        i = this.names.push(actor) - 1;
        if (i >= this.ns.length) {
          const grown = new Float64Array(this.ns.length * 2);
          grown.set(this.ns);
          this.ns = grown;
        }
      }
      this.lastActor = actor;
      this.last = i;
    }
    this.ns[this.last]! += ns;
  }

  /** ns by actor, names sorted */
  byActor(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const name of [...this.names].sort()) out[name] = this.ns[this.names.indexOf(name)]!;
    return out;
  }
}
