/**
 * Turns many concurrent single-item database calls into a few set-based ones. A reconnect storm
 * (thousands of agents after a server restart) then costs one pool connection per batch in
 * flight, not one per agent, so the pool never runs dry and the rest of the server keeps working.
 */
export interface MicroBatcherOptions {
  /** Items per database call. */
  maxSize: number;
  /** How long the first item of a batch waits for company. */
  maxWaitMs: number;
  /** Batches running at once (each holds at most one pool connection). */
  concurrency?: number;
}

interface Pending<I, O> {
  item: I;
  resolve(value: O): void;
  reject(err: unknown): void;
}

export interface MicroBatcher<I, O> {
  run(item: I): Promise<O>;
  /** Items waiting or in flight (for tests and health). */
  readonly pending: number;
}

/** `work` gets the items and must return one result per item, in the same order. */
export function createMicroBatcher<I, O>(
  work: (items: I[]) => Promise<O[]>,
  options: MicroBatcherOptions,
): MicroBatcher<I, O> {
  const concurrency = options.concurrency ?? 1;
  let queue: Pending<I, O>[] = [];
  let inFlight = 0;
  let inFlightItems = 0;
  let timer: NodeJS.Timeout | null = null;

  function schedule() {
    if (queue.length === 0 || inFlight >= concurrency) return;
    if (queue.length >= options.maxSize) return flush();
    timer ??= setTimeout(flush, options.maxWaitMs);
  }

  function flush() {
    if (timer) clearTimeout(timer);
    timer = null;
    while (queue.length > 0 && inFlight < concurrency) {
      const batch = queue.slice(0, options.maxSize);
      queue = queue.slice(batch.length);
      inFlight += 1;
      inFlightItems += batch.length;
      void runBatch(batch).finally(() => {
        inFlight -= 1;
        inFlightItems -= batch.length;
        schedule();
      });
    }
  }

  async function runBatch(batch: Pending<I, O>[]) {
    try {
      const results = await work(batch.map((p) => p.item));
      if (results.length !== batch.length)
        throw new Error(`batch returned ${results.length} results for ${batch.length}`);
      for (const [i, p] of batch.entries()) p.resolve(results[i] as O);
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }

  return {
    run(item) {
      return new Promise<O>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        schedule();
      });
    },
    get pending() {
      return queue.length + inFlightItems;
    },
  };
}
