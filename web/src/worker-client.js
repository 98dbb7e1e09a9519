// Promise-based requests to the inference worker. `latest(kind, ...)` drops superseded
// requests of one kind (a fast slider must not queue up stale softmax calls).
export class WorkerClient {
  constructor(worker) {
    this.worker = worker;
    this.nextId = 1;
    this.pending = new Map();
    this.latestByKind = new Map();
    this.listeners = new Map();   // unsolicited events from the worker (download progress)
    worker.onmessage = (event) => {
      if (event.data.event) this.listeners.get(event.data.event)?.forEach((fn) => fn(event.data.payload));
      else this.#settle(event.data);
    };
    worker.onerror = (event) => this.#failAll(event.message || 'the inference worker crashed');
  }

  on(event, fn) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event).add(fn);
    return () => this.listeners.get(event).delete(fn);
  }

  request(type, payload, transfer = []) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, type, payload }, transfer);
    });
  }

  /** Like request, but resolves to null if a newer call of the same kind was made meanwhile. */
  async latest(kind, type, payload) {
    const ticket = (this.latestByKind.get(kind) ?? 0) + 1;
    this.latestByKind.set(kind, ticket);
    const result = await this.request(type, payload);
    return this.latestByKind.get(kind) === ticket ? result : null;
  }

  #settle({ id, ok, result, error, kind }) {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (ok) p.resolve(result);
    else p.reject(Object.assign(new Error(error), { kind }));
  }

  #failAll(message) {
    for (const p of this.pending.values()) p.reject(new Error(message));
    this.pending.clear();
  }
}
