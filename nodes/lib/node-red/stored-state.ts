// A node's state in its Node-RED context store: loaded before the first message; loaded again on msg.command
// "reload" (a partition taken over from another instance: what that instance wrote to the shared store) and dropped
// from memory on "release" (another instance holds the partition now: nothing is written). Messages that arrive while
// it loads wait, in order.

import { errorText } from './status';

interface ContextGet {
  get(key: string, store: string | undefined, cb: (err: Error | undefined, value: unknown) => void): void;
}

export class StoredState {
  private ready = false;
  private readonly waiting: Array<() => void> = [];

  /**
   * `restore` puts a saved state in memory (undefined: none, start empty); `loadError` words a failed read (the
   * node's catalog text); `loaded` runs after every load (e.g. to show the status).
   */
  constructor(
    private readonly context: ContextGet,
    private readonly key: string,
    private readonly store: string | undefined,
    private readonly restore: (saved: unknown) => void,
    private readonly loadError: string,
    private readonly loaded: (err?: Error) => void,
  ) {}

  get isReady(): boolean {
    return this.ready;
  }

  /** Reads the state from the store; what arrives meanwhile waits. */
  load(then?: (err?: Error) => void): void {
    this.ready = false;
    this.context.get(this.key, this.store, (err, saved) => {
      const failure = err ? new Error(`${this.loadError}: ${errorText(err)}`) : undefined;
      if (!failure) this.restore(saved);
      this.ready = true;
      this.loaded(failure);
      then?.(failure);
      for (const run of this.waiting.splice(0)) run();
    });
  }

  /** Runs `work` now, or after the load in progress. */
  whenReady(work: () => void): void {
    if (this.ready) work();
    else this.waiting.push(work);
  }

  /** msg.command "reload" or "release" (from partition-gate's second output); true when the message was one. */
  command(msg: unknown, done: (err?: Error) => void): boolean {
    const c = (msg as { command?: unknown }).command;
    if (c === 'release') {
      this.whenReady(() => {
        this.restore(undefined);
        this.loaded();
        done();
      });
      return true;
    }
    if (c === 'reload') {
      this.whenReady(() => this.load((err) => done(err)));
      return true;
    }
    return false;
  }
}
