// The pure engine runs in Node and in the renderer; both provide the WHATWG text codecs, but the
// engine's tsconfig has neither DOM nor Node types, so it declares just what it uses.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array): string;
}
