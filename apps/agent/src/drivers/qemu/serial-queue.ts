/** Runs operations one after another per key (per VM); different keys proceed in parallel. */
export class SerialQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, operation: () => Promise<T>): Promise<T> {
    // An earlier failure does not block the next operation.
    const result = (this.tails.get(key) ?? Promise.resolve()).then(operation, operation);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
