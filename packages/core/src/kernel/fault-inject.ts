/**
 * Failure injection (the kernel's fault-injection framework, lib/fault-inject.c, reduced): a
 * test arms a named point with an errno, and the next time the code passes that point it fails
 * with that errno exactly as if the real condition had occurred.
 */
export class FaultInjection {
  private readonly armed = new Map<string, number>();

  /** Make `point` fail once with `rc` (a negative errno). */
  arm(point: string, rc: number): void {
    if (rc >= 0) throw new RangeError(`fault injection: rc for ${point} must be a negative errno, got ${rc}`);
    this.armed.set(point, rc);
  }

  clear(): void {
    this.armed.clear();
  }

  /** 0, or the armed errno (consumed). Cheap when nothing is armed. */
  check(point: string): number {
    if (this.armed.size === 0) return 0;
    const rc = this.armed.get(point);
    if (rc === undefined) return 0;
    this.armed.delete(point);
    return rc;
  }
}
