// index.d.ts — public TypeScript declarations of the gemwasm JS package.
//
// import { createEngine } from "gemwasm";
// const engine = await createEngine({ model: "https://…/model-00001-of-00004.gguf",
//                                     onProgress: (p) => bar.value = p.loaded / p.total });
// for await (const piece of engine.chat([{ role: "user", content: "Hi" }], { maxTokens: 128 }))
//   out.textContent += piece.text;

/** Where a model comes from. A single URL of a split (`name-00001-of-0000N.gguf`) loads
 *  every split of the set; a list gives each split URL explicitly. In the browser a
 *  `File`/`Blob` (or a list of them) loads from disk (drag-and-drop); in Node a string
 *  that is not an http(s) URL is a file path. */
export type ModelSource = string | URL | Blob | ArrayBuffer | Uint8Array | Array<string | URL | Blob>;

/** Which wasm build runs the model. `auto` (the default) picks `mt` (SIMD128 + threads)
 *  when `crossOriginIsolated` (always in Node), else `st` (SIMD128), else `scalar`. */
export type Variant = "mt" | "st" | "scalar";

export interface SplitProgress {
  url: string;
  loaded: number;
  total: number;
  /** where the bytes come from: the network, the cache (IndexedDB / cache directory),
   *  or a local file / Blob */
  source: "network" | "cache" | "file";
  done: boolean;
}

export interface LoadProgress {
  /** "download" while bytes arrive, "build" while the model is being built from them,
   *  "ready" once */
  phase: "download" | "build" | "ready";
  /** bytes loaded over all splits */
  loaded: number;
  /** total bytes over all splits (0 until the sizes are known) */
  total: number;
  splits: SplitProgress[];
}

export interface EngineOptions {
  model: ModelSource;
  onProgress?: (p: LoadProgress) => void;
  /** compute threads (mt build only); default: navigator.hardwareConcurrency / os cpus, at most 8 */
  threads?: number;
  /** cache splits (IndexedDB in the browser, a directory in Node); default true */
  cache?: boolean;
  /** Node only: the cache directory; default $GEMWASM_CACHE_DIR or ~/.cache/gemwasm */
  cacheDir?: string;
  /** force a build variant; default "auto" */
  variant?: Variant | "auto";
  /** context length in tokens (0 / undefined = min(trained context, 4096)) */
  contextLength?: number;
  /** parallel split downloads; default 3 */
  concurrency?: number;
  /** abort the load */
  signal?: AbortSignal;
  /** base URL the wasm modules (gemwasm-{mt,st,scalar}.mjs/.wasm) are served from;
   *  default: the package's dist/ folder next to index.js */
  wasmBaseUrl?: string | URL;
  /** browser only: ask navigator.storage.persist() before caching; default true */
  persist?: boolean;
}

export interface SamplingOptions {
  /** maximum new tokens; default 256 */
  maxTokens?: number;
  /** 0 = greedy (deterministic); default 0.7 */
  temperature?: number;
  /** default 64 (0 = all) */
  topK?: number;
  /** default 0.95 */
  topP?: number;
  /** default 0 (off) */
  minP?: number;
  /** Hugging Face style, over the last 64 tokens; default 1 (off) */
  repetitionPenalty?: number;
  /** OpenAI style; default 0 */
  frequencyPenalty?: number;
  presencePenalty?: number;
  /** same seed, same tokens; default random */
  seed?: number;
  /** stop strings: generation ends before the first one (it is not returned) */
  stop?: string[];
  /** stop on the model's end-of-sequence / end-of-turn tokens; default true */
  stopAtEos?: boolean;
  signal?: AbortSignal;
}

export interface GenerateOptions extends SamplingOptions {
  /** prepend the BOS token; default true */
  addBos?: boolean;
  /** prompt given as token ids instead of text (models without a tokenizer) */
  promptIds?: number[];
}

export interface ChatMessage {
  role: "system" | "user" | "assistant" | "model";
  content: string;
}

export interface ChatOptions extends SamplingOptions {}

export interface Piece {
  /** the text this token adds (may be "" while a multi-byte character or a possible
   *  stop string is held back; held text comes with a later piece) */
  text: string;
  /** the sampled token id (-1 for a final flush of held-back text) */
  tokenId: number;
}

/** An async iterator of pieces; breaking out of the loop or aborting the signal stops
 *  generation within one token. */
export interface PieceStream extends AsyncIterable<Piece> {
  /** resolves after the stream ends with why it ended */
  readonly done: Promise<FinishInfo>;
}

export interface FinishInfo {
  finishReason: "stop" | "length" | "abort";
  promptTokens: number;
  completionTokens: number;
  /** after an abort: tokens the worker made after the abort reached it (0 or 1) */
  tokensAfterAbort?: number;
}

export interface EngineStats {
  variant: Variant;
  threads: number;
  /** model architecture ("gemma", "gemma2", "gemma3", "recurrentgemma") */
  arch: string;
  nVocab: number;
  contextLength: number;
  /** tokens in the chat / session state right now */
  tokens: number;
  /** last request */
  promptTokens: number;
  /** of promptTokens, how many were already in the state (chat prefix reuse) */
  reusedTokens: number;
  completionTokens: number;
  prefillTokensPerSec: number;
  decodeTokensPerSec: number;
  /** milliseconds to load (download + build) */
  loadMs: number;
  memory: {
    /** bytes of the wasm linear memory */
    wasmHeap: number;
    /** bytes of model weights */
    weights: number;
    /** bytes of KV cache / recurrent state */
    state: number;
  };
}

export interface ChatCompletionMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface ChatCompletionRequest {
  messages: ChatCompletionMessage[];
  model?: string;
  stream?: boolean;
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  min_p?: number;
  repetition_penalty?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  seed?: number;
  stop?: string | string[];
  signal?: AbortSignal;
}

export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: Array<{
    index: 0;
    message: { role: "assistant"; content: string };
    finish_reason: "stop" | "length" | "abort";
  }>;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: Array<{
    index: 0;
    delta: { role?: "assistant"; content?: string };
    finish_reason: "stop" | "length" | "abort" | null;
  }>;
  /** present on the last chunk */
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

export interface ChatCompletions {
  create(req: ChatCompletionRequest & { stream: true }): Promise<AsyncIterable<ChatCompletionChunk>>;
  create(req: ChatCompletionRequest & { stream?: false }): Promise<ChatCompletion>;
  create(req: ChatCompletionRequest): Promise<ChatCompletion | AsyncIterable<ChatCompletionChunk>>;
}

export interface Engine {
  /** plain completion of a prompt (no chat template); a fresh context each call */
  generate(prompt: string, opts?: GenerateOptions): PieceStream;
  /** a chat turn: the messages are formatted with the model's chat template. The engine
   *  keeps the KV / recurrent state between calls: when `messages` extends the previous
   *  conversation (previous messages + the reply the engine gave), only the new part is
   *  prefilled. `chat.completions.create` is the OpenAI-style wrapper over it. */
  readonly chat: ((messages: ChatMessage[], opts?: ChatOptions) => PieceStream) & {
    completions: ChatCompletions;
  };
  tokenize(text: string, opts?: { addBos?: boolean }): Promise<number[]>;
  detokenize(ids: number[]): Promise<string>;
  /** the figures as of the last finished request (synchronous) */
  stats(): EngineStats;
  /** asks the worker for fresh figures */
  refreshStats(): Promise<EngineStats>;
  /** where each split came from in this load */
  readonly splits: Array<{ name: string; size: number; source: "network" | "cache" | "file" }>;
  /** forget the chat state (the next chat() prefills from scratch) */
  resetChat(): Promise<void>;
  /** free the model and stop the worker; the engine cannot be used afterwards */
  unload(): Promise<void>;
  /** model facts */
  readonly info: ModelInfo;
}

export interface ModelInfo {
  arch: string;
  nVocab: number;
  nEmbd: number;
  nLayer: number;
  nHead: number;
  nHeadKv: number;
  headDim: number;
  contextLength: number;
  weightBytes: number;
  bosId: number;
  eosId: number;
  eotId: number;
  hasTokenizer: boolean;
  hasChatTemplate: boolean;
}

export function createEngine(opts: EngineOptions): Promise<Engine>;

export interface CachedModel {
  /** URL of the first split (the key a user passes to deleteCachedModel) */
  url: string;
  splits: Array<{ url: string; size: number; sha256: string }>;
  /** total bytes */
  size: number;
  /** ms since epoch the last split was stored */
  storedAt: number;
}

export interface CacheOptions {
  /** Node only: the cache directory */
  cacheDir?: string;
}

export function listCachedModels(opts?: CacheOptions): Promise<CachedModel[]>;
/** delete a model's splits from the cache (url: any split URL or the first split's);
 *  resolves to true when something was deleted */
export function deleteCachedModel(url: string | URL, opts?: CacheOptions): Promise<boolean>;

/** the build variant createEngine would pick on this host */
export function detectVariant(): Promise<Variant>;

export type GemwasmErrorCode =
  | "network"      // the connection failed or was cut mid-split
  | "http"         // the server answered with an HTTP error (see .status)
  | "not_gguf"     // the bytes are not a GGUF file
  | "format"       // a malformed GGUF / inconsistent split set
  | "unsupported"  // an architecture or tensor type gemwasm does not run
  | "oom"          // out of (wasm) memory
  | "quota"        // the storage quota is too small for the model
  | "aborted"      // an AbortSignal fired
  | "integrity"    // a split failed its size / SHA-256 check
  | "range"        // the context is full / a token id out of range
  | "not_found"    // Node: a model path that does not exist
  | "io"           // Node: a file could not be read
  | "invalid"      // a bad argument
  | "unloaded"     // the engine was unloaded
  | "busy"         // a generation is already running on this engine
  | "internal";    // anything else

export class GemwasmError extends Error {
  constructor(code: GemwasmErrorCode, message: string, extra?: { status?: number; url?: string; cause?: unknown });
  readonly name: "GemwasmError";
  readonly code: GemwasmErrorCode;
  /** the HTTP status for code "http" */
  readonly status?: number;
  /** the split URL the error concerns, when there is one */
  readonly url?: string;
}
