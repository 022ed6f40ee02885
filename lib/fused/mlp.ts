/**
 * A fused trainer for small dense networks: forward, backward and Adam run as WebAssembly SIMD kernels
 * (wasm/mlp.ts) over one linear memory, with no per-operation dispatch and no autodiff tape. The training
 * loops of PPO and DQN compute the gradient of their loss with respect to the network outputs in plain JS
 * (a few floats per row) and hand it to `backward`.
 *
 * Layout: every layer's output columns are padded to a multiple of 4 with zero weights and biases, so
 * padded units stay exactly 0 through tanh and relu and receive zero gradient; reading weights back drops
 * them. All trainable floats of a `FusedModel` (its networks and any extra vectors, such as a Gaussian
 * head's log-std) sit in one block, so gradient clipping and Adam are one kernel call each.
 */
import type { Activation, MlpSpec } from '../nn.ts';
import { MLP_WASM_BASE64 } from './kernels-wasm.ts';

interface Kernels {
  tanh_array(x: number, y: number, n: number): void;
  dense_forward(x: number, w: number, b: number, y: number, rows: number, nin: number, nout: number, act: number): void;
  dense_backward(x: number, w: number, y: number, dy: number, dx: number, dw: number, db: number, rows: number, nin: number, nout: number, act: number): void;
  sum_squares(g: number, n: number): number;
  adam(p: number, g: number, m: number, v: number, n: number, scale: number, step: number, b1: number, b2: number, vScale: number, eps: number): void;
}

// The WebAssembly JS API as this module uses it (the project's type libraries leave out the DOM's declarations).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmModule {
  readonly __wasmModule: never;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
};

let compiled: WasmModule | undefined;

const PAGE = 65_536;
/** Addresses below this stay free (the module has no static data; a null pointer means "no buffer"). */
const BASE = 1024;

const padded = (n: number): number => Math.ceil(n / 4) * 4;
const ACTIVATION: Record<Activation | 'identity', number> = { identity: 0, tanh: 1, relu: 2 };

/** One WebAssembly instance and its memory; buffers are carved from it and never freed. */
export class Arena {
  readonly memory: WasmMemory;
  readonly kernels: Kernels;
  private top = BASE;

  constructor() {
    compiled ??= new WebAssembly.Module(Buffer.from(MLP_WASM_BASE64, 'base64'));
    this.memory = new WebAssembly.Memory({ initial: 16 });
    this.kernels = new WebAssembly.Instance(compiled, { env: { memory: this.memory } }).exports as unknown as Kernels;
  }

  /** Reserves `floats` zeroed floats, 16-byte aligned; returns the byte address. */
  alloc(floats: number): number {
    const address = this.top;
    this.top += padded(Math.max(floats, 1)) * 4;
    const needed = Math.ceil(this.top / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (needed > 0) this.memory.grow(needed);
    return address;
  }

  /** A view of `length` floats at `address`, valid until the memory next grows (the next alloc may detach it). */
  f32(address: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, address, length);
  }
}

interface Layer {
  /** Inputs: as stored (the previous layer's padded width) and as the unpadded network has them. */
  nin: number;
  inUnits: number;
  /** Output units, and the same padded to a multiple of 4. */
  units: number;
  nout: number;
  act: number;
  /** Float offsets of the kernel and bias within the model's parameter block. */
  w: number;
  b: number;
  /** Byte addresses of the output and output-gradient buffers ([rows, nout]). */
  y: number;
  dy: number;
}

/** One dense network inside a FusedModel. */
export class FusedMlp {
  readonly layers: Layer[] = [];
  readonly inputSize: number;
  readonly outputSize: number;
  /** Floats per output row in `output()` and `outputGradient()` (outputSize padded to 4). */
  readonly outputStride: number;
  private input = 0;
  private rows = 0;

  constructor(
    private readonly model: FusedModel,
    readonly spec: MlpSpec,
    offset: number,
  ) {
    const sizes = spec.sizes;
    let nin = sizes[0]!;
    this.inputSize = nin;
    for (let l = 0; l + 1 < sizes.length; l++) {
      const inUnits = sizes[l]!;
      const units = sizes[l + 1]!;
      const nout = padded(units);
      const last = l + 2 === sizes.length;
      this.layers.push({ nin, inUnits, units, nout, act: ACTIVATION[last ? 'identity' : spec.activation], w: offset, b: offset + nin * nout, y: 0, dy: 0 });
      offset += nin * nout + nout;
      nin = nout;
    }
    this.outputSize = sizes[sizes.length - 1]!;
    this.outputStride = padded(this.outputSize);
  }

  /** Floats this network takes in its model's parameter block. */
  static parameterCount(sizes: number[]): number {
    let count = 0;
    let nin = sizes[0]!;
    for (let l = 1; l < sizes.length; l++) {
      const nout = padded(sizes[l]!);
      count += nin * nout + nout;
      nin = nout;
    }
    return count;
  }

  /** Makes room for `rows` rows of activations. */
  reserve(rows: number): void {
    if (rows <= this.rows) return;
    const arena = this.model.arena;
    this.input = arena.alloc(rows * this.inputSize);
    for (const layer of this.layers) {
      layer.y = arena.alloc(rows * layer.nout);
      layer.dy = arena.alloc(rows * layer.nout);
    }
    this.rows = rows;
  }

  /** The input buffer for `rows` rows: write observations here, then call forward(rows). */
  inputView(rows: number): Float32Array {
    this.reserve(rows);
    return this.model.arena.f32(this.input, rows * this.inputSize);
  }

  forward(rows: number): Float32Array {
    this.reserve(rows);
    const k = this.model.arena.kernels;
    const params = this.model.params;
    let x = this.input;
    for (const layer of this.layers) {
      k.dense_forward(x, params + layer.w * 4, params + layer.b * 4, layer.y, rows, layer.nin, layer.nout, layer.act);
      x = layer.y;
    }
    return this.output(rows);
  }

  private packed = new Float32Array(0);

  /**
   * A forward pass for acting: `rows` rows of `input` (inputSize floats each) in, the outputs out packed
   * (outputSize floats a row) in a buffer the next call reuses.
   */
  predict(input: Float32Array, rows: number): Float32Array {
    this.reserve(rows);
    this.inputView(rows).set(input.subarray(0, rows * this.inputSize));
    const out = this.forward(rows);
    const size = this.outputSize;
    if (this.packed.length < rows * size) this.packed = new Float32Array(rows * size);
    if (this.outputStride === size) {
      this.packed.set(out);
    } else {
      for (let r = 0; r < rows; r++) for (let j = 0; j < size; j++) this.packed[r * size + j] = out[r * this.outputStride + j]!;
    }
    return this.packed.subarray(0, rows * size);
  }

  /** The last forward pass's outputs, `outputStride` floats per row. */
  output(rows: number): Float32Array {
    return this.model.arena.f32(this.layers.at(-1)!.y, rows * this.outputStride);
  }

  /** The gradient of the loss with respect to the outputs, zeroed: fill it, then call backward(rows). */
  outputGradient(rows: number): Float32Array {
    const view = this.model.arena.f32(this.layers.at(-1)!.dy, rows * this.outputStride);
    view.fill(0);
    return view;
  }

  /** Writes this network's parameter gradients (overwriting them) for the last forward pass. */
  backward(rows: number): void {
    const k = this.model.arena.kernels;
    const params = this.model.params;
    const grads = this.model.grads;
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const layer = this.layers[l]!;
      const x = l === 0 ? this.input : this.layers[l - 1]!.y;
      const dx = l === 0 ? 0 : this.layers[l - 1]!.dy;
      k.dense_backward(x, params + layer.w * 4, layer.y, layer.dy, dx, grads + layer.w * 4, grads + layer.b * 4, rows, layer.nin, layer.nout, layer.act);
    }
  }

  /** The weights without padding, as tfjs and JsMlp lay them out (kernel [in, out], bias [out]). */
  readWeights(): { kernels: Float32Array[]; biases: Float32Array[] } {
    return this.unpad(this.model.parameterView());
  }

  /** The last backward pass's gradients, laid out as readWeights. */
  readGradients(): { kernels: Float32Array[]; biases: Float32Array[] } {
    return this.unpad(this.model.gradientView());
  }

  private unpad(all: Float32Array): { kernels: Float32Array[]; biases: Float32Array[] } {
    const kernels: Float32Array[] = [];
    const biases: Float32Array[] = [];
    for (const layer of this.layers) {
      const kernel = new Float32Array(layer.inUnits * layer.units);
      for (let i = 0; i < layer.inUnits; i++) for (let j = 0; j < layer.units; j++) kernel[i * layer.units + j] = all[layer.w + i * layer.nout + j]!;
      kernels.push(kernel);
      biases.push(all.slice(layer.b, layer.b + layer.units));
    }
    return { kernels, biases };
  }

  writeWeights(kernels: ArrayLike<number>[], biases: ArrayLike<number>[]): void {
    const all = this.model.parameterView();
    this.layers.forEach((layer, l) => {
      const kernel = kernels[l]!;
      const bias = biases[l]!;
      if (kernel.length !== layer.inUnits * layer.units || bias.length !== layer.units) throw new RangeError(`layer ${l}: expected a ${layer.inUnits}x${layer.units} kernel and ${layer.units} biases`);
      for (let i = 0; i < layer.inUnits; i++) for (let j = 0; j < layer.units; j++) all[layer.w + i * layer.nout + j] = kernel[i * layer.units + j]!;
      for (let j = 0; j < layer.units; j++) all[layer.b + j] = bias[j]!;
    });
  }
}

export interface AdamSettings {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** Networks and extra parameter vectors whose parameters, gradients and Adam moments are one block each. */
export class FusedModel {
  readonly arena: Arena;
  readonly nets: FusedMlp[];
  /** Float offsets of the extra vectors within the block. */
  readonly extraOffsets: number[];
  /** Floats in the block (a multiple of 4). */
  readonly size: number;
  readonly params: number;
  readonly grads: number;
  private readonly m: number;
  private readonly v: number;
  private steps = 0;

  constructor(specs: MlpSpec[], extraLengths: number[] = [], arena = new Arena()) {
    this.arena = arena;
    let offset = 0;
    const netOffsets = specs.map((spec) => {
      const at = offset;
      offset += FusedMlp.parameterCount(spec.sizes);
      return at;
    });
    this.extraOffsets = extraLengths.map((length) => {
      const at = offset;
      offset += padded(length);
      return at;
    });
    this.size = offset;
    this.params = arena.alloc(offset);
    this.grads = arena.alloc(offset);
    this.m = arena.alloc(offset);
    this.v = arena.alloc(offset);
    this.nets = specs.map((spec, i) => new FusedMlp(this, spec, netOffsets[i]!));
  }

  /**
   * Makes room for `rows` rows in every network. Call it before taking views: growing the memory detaches
   * every view taken before (inputView, output, outputGradient, parameterView...).
   */
  reserve(rows: number): void {
    for (const net of this.nets) net.reserve(rows);
  }

  parameterView(): Float32Array {
    return this.arena.f32(this.params, this.size);
  }

  gradientView(): Float32Array {
    return this.arena.f32(this.grads, this.size);
  }

  /** The extra vector `index` (its parameters, or its gradient with `gradient`). */
  extra(index: number, length: number, gradient = false): Float32Array {
    return this.arena.f32((gradient ? this.grads : this.params) + this.extraOffsets[index]! * 4, length);
  }

  /** The global L2 norm of the gradient block. */
  gradientNorm(): number {
    return Math.sqrt(this.arena.kernels.sum_squares(this.grads, this.size));
  }

  /**
   * One Adam step on the whole block with the gradient scaled by `scale` (torch.optim.Adam's update; the
   * caller anneals `learningRate` in `settings` as it wishes).
   */
  adamStep(settings: AdamSettings, scale = 1): void {
    this.steps++;
    const step = settings.learningRate / (1 - settings.beta1 ** this.steps);
    const vScale = 1 / Math.sqrt(1 - settings.beta2 ** this.steps);
    this.arena.kernels.adam(this.params, this.grads, this.m, this.v, this.size, scale, step, settings.beta1, settings.beta2, vScale, settings.epsilon);
  }

  /**
   * Clips the gradient to `maxNorm` (torch.nn.utils.clip_grad_norm_: scale min(1, maxNorm / (norm + 1e-6)))
   * and takes an Adam step. Returns the norm before clipping.
   */
  clippedAdamStep(settings: AdamSettings, maxNorm: number): number {
    const norm = this.gradientNorm();
    this.adamStep(settings, Math.min(1, maxNorm / (norm + 1e-6)));
    return norm;
  }

  /** Copies another model's parameters (same specs), e.g. into a DQN target network. */
  copyParametersFrom(other: FusedModel): void {
    if (other.size !== this.size) throw new RangeError('copyParametersFrom: models differ in size');
    this.parameterView().set(other.parameterView());
  }
}
