// Runs in the engine process. The networks in memory, as opposed to registry.ts (which weight *files*
// exist and where). One ModelRegistry per process or worker thread, handed to whatever needs a model,
// instead of module-level singletons: whoever owns the registry decides when its models are freed.
import type { Model, ModelSet, ModelSource } from './model.ts';
import { FACE_MODEL_FACTORIES, type FaceModelSet } from '../faces/nets.ts';
import { Vgg19Model } from '../style/vgg19-model.ts';

export type ModelFactories<M extends ModelSet<M>> = { [K in keyof M]: () => M[K] };

/** Makes each model on first get() (weights load on first use), and frees them on request. */
export class ModelRegistry<M extends ModelSet<M>> implements ModelSource<M> {
  private readonly made = new Map<keyof M, Model>();

  constructor(private readonly factories: ModelFactories<M>) {}

  /** The model called `name`; the same object on every call, loaded or not. */
  get<K extends keyof M & string>(name: K): M[K] {
    let model = this.made.get(name) as M[K] | undefined;
    if (!model) {
      const factory = this.factories[name];
      if (!factory) throw new Error(`no model named '${name}'`);
      model = factory();
      this.made.set(name, model);
    }
    return model;
  }

  /** Names of the models whose weights are in memory now. */
  loadedNames(): (keyof M & string)[] {
    return [...this.made.values()].filter((m) => m.loaded).map((m) => m.name as keyof M & string);
  }

  /** Frees one model's weights; its next use loads them again. */
  unload(name: keyof M & string): void {
    this.made.get(name)?.dispose();
  }

  /** Frees every model's weights. */
  unloadAll(): void {
    for (const model of this.made.values()) model.dispose();
  }
}

/** Every network the engine runs, by name. */
export interface EngineModelSet extends FaceModelSet {
  vgg19: Vgg19Model;
}

export type EngineModels = ModelRegistry<EngineModelSet>;

/** A registry of the engine's networks, none loaded yet: one per process or worker thread. */
export function createModelRegistry(): EngineModels {
  return new ModelRegistry<EngineModelSet>({ ...FACE_MODEL_FACTORIES, vgg19: () => new Vgg19Model() });
}
