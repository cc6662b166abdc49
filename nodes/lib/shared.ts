// One instance per key in the process (an outbox file, a PostgreSQL connection string), shared by every node that
// names it and closed when the last one lets go.

export class SharedByKey<T> {
  private readonly held = new Map<string, { value: T; users: number }>();

  constructor(private readonly close: (value: T) => void | Promise<void>) {}

  /** The key's instance, made by `make` the first time; every call is matched by one {@link release}. */
  acquire(key: string, make: () => T): T {
    const hit = this.held.get(key);
    if (hit) {
      hit.users++;
      return hit.value;
    }
    const value = make();
    this.held.set(key, { value, users: 1 });
    return value;
  }

  /** Lets go of one use of `value`; the last one closes it. */
  async release(value: T): Promise<void> {
    for (const [key, hit] of this.held)
      if (hit.value === value) {
        if (--hit.users === 0) {
          this.held.delete(key);
          await this.close(value);
        }
        return;
      }
  }
}
