// Runs in the engine process (Node). Reads the Keras VGG19 "notop" weights (an HDF5 file) into tfjs tensors.
// h5wasm does the HDF5 parsing; we sniff the file first because h5wasm answers a bad file with a cryptic
// "name not defined!" plus a page of HDF5-DIAG on stderr, and says nothing about a short download.
import fs from 'node:fs';
import type { Dataset, File as H5File, Group, OutputData } from 'h5wasm/node';
import { tf } from '../runtime/tf.ts';
import { expectDefined, FaceKitError } from '../../api/errors.ts';
import type { Vgg19Weights } from './vgg19-types.ts';

export type { Vgg19Weights };

/** The 16 convolution layers of VGG19, in network order. */
export const VGG19_LAYERS = [
  'block1_conv1',
  'block1_conv2',
  'block2_conv1',
  'block2_conv2',
  'block3_conv1',
  'block3_conv2',
  'block3_conv3',
  'block3_conv4',
  'block4_conv1',
  'block4_conv2',
  'block4_conv3',
  'block4_conv4',
  'block5_conv1',
  'block5_conv2',
  'block5_conv3',
  'block5_conv4',
] as const;

export type Vgg19LayerName = (typeof VGG19_LAYERS)[number];

/** Output widths of the real network, layer by layer (the input has 3 channels). */
export const VGG19_CHANNELS: readonly number[] = [64, 64, 128, 128, 256, 256, 256, 256, 512, 512, 512, 512, 512, 512, 512, 512];

export interface Vgg19ReadOptions {
  /** Last layer to read, e.g. 'block5_conv1'; deeper layers are skipped (and may be absent). */
  upTo?: string;
  /** Require the real widths (64 … 512), not just a consistent channel chain. */
  strict?: boolean;
}

export interface Vgg19LayerInfo {
  name: Vgg19LayerName;
  /** HDF5 paths of the datasets used. */
  kernelPath: string;
  biasPath: string;
  /** [3, 3, inC, outC] */
  kernelShape: [number, number, number, number];
}

export interface Vgg19FileInfo {
  layers: Vgg19LayerInfo[];
  /** Keras' root `layer_names` attribute, when the file has one (informational only). */
  layerNames?: string[];
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

type H5Module = typeof import('h5wasm/node');
/**
 * h5wasm, imported on the first file opened: importing it takes ≈ 3.5 s here, which every `facekit`
 * command (and the app's start) would otherwise pay whether it reads weights or not.
 */
let h5Loading: Promise<H5Module> | undefined;
let h5: H5Module | undefined;

/** The loaded h5wasm; only called on entities of a file openH5 opened, so it is loaded by then. */
function h5Lib(): H5Module {
  return expectDefined(h5, 'h5wasm (openH5 loads it)');
}

function bad(file: string, message: string): FaceKitError {
  return new FaceKitError('BAD_INPUT', message, file);
}

function layerList(upTo: string | undefined, file: string): Vgg19LayerName[] {
  if (upTo === undefined) return [...VGG19_LAYERS];
  const index = (VGG19_LAYERS as readonly string[]).indexOf(upTo);
  if (index < 0) throw new FaceKitError('BAD_INPUT', `upTo=${upTo} is not a VGG19 layer; use one of ${VGG19_LAYERS.join(', ')}`, file);
  return VGG19_LAYERS.slice(0, index + 1);
}

function readUint(buf: Buffer, offset: number, size: number): bigint {
  if (size === 8) return buf.readBigUInt64LE(offset);
  if (size === 4) return BigInt(buf.readUInt32LE(offset));
  if (size === 2) return BigInt(buf.readUInt16LE(offset));
  throw new Error(`unsupported address size ${size}`);
}

/**
 * Checks that `file` is a whole HDF5 file before h5wasm sees it: the signature (at 0 or a power-of-two
 * user-block offset) and the end-of-file address the superblock records against the real size.
 */
export function checkHdf5File(file: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new FaceKitError('NOT_FOUND', 'no such file', file);
  }
  if (!stat.isFile()) throw bad(file, 'not a regular file');
  if (stat.size === 0) throw bad(file, 'the file is empty (an interrupted download or copy?)');
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(64);
    for (let base = 0; base + 8 <= stat.size; base = base === 0 ? 512 : base * 2) {
      const n = fs.readSync(fd, head, 0, head.length, base);
      if (n < 8 || !head.subarray(0, 8).equals(HDF5_SIGNATURE)) continue;
      // readUInt8 checks its offset (always inside the 64-byte buffer).
      const version = head.readUInt8(8);
      let sizeOfOffsets: number;
      let eofAt: number;
      if (version === 0 || version === 1) {
        sizeOfOffsets = head.readUInt8(13);
        eofAt = (version === 0 ? 24 : 28) + 2 * sizeOfOffsets;
      } else if (version === 2 || version === 3) {
        sizeOfOffsets = head.readUInt8(9);
        eofAt = 12 + 2 * sizeOfOffsets;
      } else {
        throw bad(file, `unsupported HDF5 superblock version ${version}`);
      }
      const truncated = () => bad(file, `truncated file: only ${stat.size} bytes (an interrupted download or copy?)`);
      if (n < 16) throw truncated();
      if (![2, 4, 8].includes(sizeOfOffsets)) throw bad(file, 'corrupt HDF5 superblock');
      if (eofAt + sizeOfOffsets > n) throw truncated();
      const undefinedAddress = (1n << BigInt(8 * sizeOfOffsets)) - 1n;
      const baseAddress = readUint(head, eofAt - 2 * sizeOfOffsets, sizeOfOffsets);
      const eof = readUint(head, eofAt, sizeOfOffsets);
      if (eof !== undefinedAddress && baseAddress !== undefinedAddress && baseAddress + eof > BigInt(stat.size)) {
        throw bad(file, `truncated file: ${stat.size} bytes of ${baseAddress + eof} (an interrupted download or copy?)`);
      }
      return;
    }
  } finally {
    fs.closeSync(fd);
  }
  throw bad(file, 'not an HDF5 file (expected Keras weights such as vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5)');
}

function isGroup(entity: unknown): entity is Group {
  return entity instanceof h5Lib().Group;
}

function isDataset(entity: unknown): entity is Dataset {
  return entity instanceof h5Lib().Dataset;
}

/** Every dataset at most `depth` groups below `group`: Keras nests them zero, one or two levels down. */
function datasetsUnder(group: Group, depth: number, out: Dataset[] = []): Dataset[] {
  for (const key of group.keys()) {
    const child = group.get(key);
    if (isDataset(child)) out.push(child);
    else if (isGroup(child) && depth > 0) datasetsUnder(child, depth - 1, out);
  }
  return out;
}

/** Kernel is the one rank-4 dataset, bias the one rank-1 dataset; dataset names differ across Keras versions. */
function pickByRank(file: string, layer: string, datasets: Dataset[], rank: number, what: string, hint: RegExp): Dataset {
  let hits = datasets.filter((d) => d.shape?.length === rank);
  if (hits.length > 1) hits = hits.filter((d) => hint.test(d.path.split('/').pop() ?? ''));
  const [hit, ...more] = hits;
  if (hit && !more.length) return hit;
  const found = datasets.map((d) => `${d.path} ${JSON.stringify(d.shape)}`).join(', ') || 'no datasets';
  throw bad(file, `layer ${layer}: expected one rank-${rank} ${what} dataset, found ${hits.length > 1 ? 'several' : 'none'} (${found})`);
}

/**
 * An attribute value as text, as String() writes it, except for byte strings (Keras writes the layer
 * names NUL-padded), decoded as latin1, and HDF5 references, which have no text form.
 */
function attributeText(v: OutputData | null): string {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('latin1');
  if (v instanceof h5Lib().Reference) return '(reference)';
  if (Array.isArray(v)) return v.map(attributeText).join(',');
  return String(v);
}

function readLayerNames(root: Group): string[] | undefined {
  try {
    if (!('layer_names' in root.attrs)) return undefined;
    const value = root.attrs['layer_names'].value;
    const list = Array.isArray(value) ? value : [value];
    return list.map((v) => attributeText(v).replace(/\0+$/, ''));
  } catch {
    return undefined; // informational only
  }
}

/** Full-model saves keep the weights under /model_weights; weight-only saves keep them at the root. */
function weightsRoot(file: H5File): Group {
  const nested = file.keys().includes('model_weights') ? file.get('model_weights') : null;
  return isGroup(nested) && !file.keys().includes('block1_conv1') ? nested : file;
}

interface Located {
  info: Vgg19LayerInfo;
  kernel: Dataset;
  bias: Dataset;
}

function locateLayers(file: string, h5: H5File, layers: Vgg19LayerName[], strict: boolean): { located: Located[]; layerNames?: string[] } {
  const root = weightsRoot(h5);
  const layerNames = readLayerNames(root);
  const located: Located[] = [];
  let inChannels = 3;
  for (const [i, name] of layers.entries()) {
    const group = root.keys().includes(name) ? root.get(name) : null;
    if (!isGroup(group)) {
      const listed = layerNames?.length
        ? `layer_names lists: ${layerNames.join(', ')}`
        : `top-level groups: ${root.keys().join(', ') || 'none'}`;
      throw bad(file, `missing layer group ${name}; not VGG19 weights in Keras format? (${listed})`);
    }
    const datasets = datasetsUnder(group, 2);
    const kernel = pickByRank(file, name, datasets, 4, 'kernel', /kernel|_W(_\d+)?:\d+$/i);
    const bias = pickByRank(file, name, datasets, 1, 'bias', /bias|_b(_\d+)?:\d+$/i);
    const [kh, kw, kin, kout] = kernel.shape as [number, number, number, number];
    const [bout] = bias.shape as [number];
    const want = strict ? `[3,3,${inChannels},${VGG19_CHANNELS[i]}]` : `[3,3,${inChannels},N]`;
    if (kh !== 3 || kw !== 3 || kin !== inChannels || !(kout > 0) || (strict && kout !== VGG19_CHANNELS[i])) {
      throw bad(file, `layer ${name}: kernel has shape [${kh},${kw},${kin},${kout}], expected ${want}`);
    }
    if (bout !== kout) throw bad(file, `layer ${name}: bias has ${bout} values, expected ${kout} (one per output channel)`);
    for (const d of [kernel, bias]) {
      // metadata.type 1 is H5T_FLOAT; Keras writes float32.
      if (d.metadata.type !== 1) throw bad(file, `layer ${name}: ${d.path} is not floating-point data (dtype ${JSON.stringify(d.dtype)})`);
    }
    located.push({ info: { name, kernelPath: kernel.path, biasPath: bias.path, kernelShape: [kh, kw, kin, kout] }, kernel, bias });
    inChannels = kout;
  }
  return { located, layerNames };
}

function floatData(file: string, dataset: Dataset, expected: number): Float32Array {
  let value: unknown;
  try {
    value = dataset.value;
  } catch (error) {
    throw bad(file, `cannot read ${dataset.path} (${error instanceof Error ? error.message : String(error)}); the file may be corrupt`);
  }
  if (!(value instanceof Float32Array || value instanceof Float64Array) || value.length !== expected) {
    throw bad(file, `cannot read ${dataset.path} as ${expected} float values; the file may be corrupt`);
  }
  return value instanceof Float32Array ? value : Float32Array.from(value);
}

async function openH5(file: string): Promise<H5File> {
  checkHdf5File(file);
  h5Loading ??= import('h5wasm/node').then(async (lib) => {
    await lib.ready;
    return lib;
  });
  h5 = await h5Loading;
  try {
    return new h5.File(file, 'r');
  } catch (error) {
    throw bad(file, `HDF5 library could not open the file (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** Validates the layer groups, dataset shapes and channel chain without reading any weights. */
export async function inspectVgg19File(file: string, opts: Vgg19ReadOptions = {}): Promise<Vgg19FileInfo> {
  const layers = layerList(opts.upTo, file);
  const h5 = await openH5(file);
  try {
    const { located, layerNames } = locateLayers(file, h5, layers, opts.strict ?? false);
    return { layers: located.map((l) => l.info), layerNames };
  } finally {
    h5.close();
  }
}

/**
 * Loads VGG19 conv weights from a Keras HDF5 file (the Keras 1 `block1_conv1_W_1:0` layout or the Keras 2
 * nested `block1_conv1/block1_conv1/kernel:0` one). The caller owns the tensors (dispose them).
 */
export async function loadVgg19Weights(file: string, opts: Vgg19ReadOptions = {}): Promise<Vgg19Weights> {
  const layers = layerList(opts.upTo, file);
  const h5 = await openH5(file);
  const weights: Vgg19Weights = new Map();
  try {
    const { located } = locateLayers(file, h5, layers, opts.strict ?? false);
    for (const { info, kernel, bias } of located) {
      const shape = info.kernelShape;
      const k = floatData(file, kernel, shape[0] * shape[1] * shape[2] * shape[3]);
      const b = floatData(file, bias, shape[3]);
      weights.set(info.name, { kernel: tf.tensor4d(k, shape, 'float32'), bias: tf.tensor1d(b, 'float32') });
    }
    return weights;
  } catch (error) {
    for (const { kernel, bias } of weights.values()) tf.dispose([kernel, bias]);
    throw error;
  } finally {
    h5.close();
  }
}
