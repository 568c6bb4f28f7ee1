// Runs anywhere. The lifecycle every network shares, in the spirit of tfjs-models: load() the weights,
// call the model's predict method(s) as often as needed, dispose() to free them. A model used after
// dispose() loads again, so a long-running process can drop a network it is not using.

/** A network whose weights (tensors) can be loaded and freed. */
export interface Model {
  /** The registry key, e.g. 'faceDetector' or 'vgg19'. */
  readonly name: string;
  /** True while the weights are in memory. */
  readonly loaded: boolean;
  /** Loads the weights; a no-op when they are loaded. Concurrent calls share one load. */
  load(): Promise<void>;
  /** Frees the weights; the next use loads them again. A no-op when nothing is loaded. */
  dispose(): void;
}

/** A set of models by name, e.g. { faceDetector: FaceDetectorModel, … }. */
export type ModelSet<M> = { [K in keyof M]: Model };

/** Something that hands out models by name: a ModelRegistry, or a narrower view of one. */
export interface ModelSource<M extends ModelSet<M>> {
  get<K extends keyof M & string>(name: K): M[K];
}

/**
 * Load/dispose bookkeeping for a model: one load at a time, shared by concurrent callers; a failed load
 * is forgotten (the next use retries); dispose() during a load frees the weights once that load ends,
 * and a later load waits for that, so two loads never write the same fields.
 */
export abstract class LazyModel implements Model {
  abstract readonly name: string;
  private loading: Promise<void> | undefined;
  private ready = false;
  /** Settles when the last dispose() has freed what an in-flight load produced. */
  private freed: Promise<void> = Promise.resolve();

  get loaded(): boolean {
    return this.ready;
  }

  load(): Promise<void> {
    if (!this.loading) {
      const loading: Promise<void> = this.freed
        .then(() => this.loadWeights())
        .then(() => {
          if (this.loading === loading) this.ready = true;
        });
      loading.catch(() => {
        if (this.loading === loading) this.loading = undefined;
      });
      this.loading = loading;
    }
    return this.loading;
  }

  dispose(): void {
    const loading = this.loading;
    if (!loading) return;
    this.loading = undefined;
    if (this.ready) {
      this.ready = false;
      this.freeWeights();
      return;
    }
    this.freed = loading.then(
      () => this.freeWeights(),
      () => {},
    );
  }

  /** Reads the weights into tensors. Called only when nothing is loaded. */
  protected abstract loadWeights(): Promise<void>;
  /** Frees every tensor loadWeights() made. */
  protected abstract freeWeights(): void;
}
