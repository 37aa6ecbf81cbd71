/**
 * The part of the WebAssembly JavaScript API the engine uses. Node has it as a global, but
 * TypeScript declares it only in the DOM library, which this Node project does not load.
 */
declare namespace WebAssembly {
  interface Module {
    readonly __brand: 'WebAssembly.Module';
  }
  const Module: {
    new (bytes: ArrayBufferView | ArrayBuffer): Module;
    imports(module: Module): { module: string; name: string; kind: string }[];
    exports(module: Module): { name: string; kind: string }[];
  };
  interface Memory {
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
    grow(pages: number): number;
  }
  const Memory: {
    new (descriptor: { initial: number; maximum?: number; shared?: boolean }): Memory;
  };
  interface Instance {
    readonly exports: Record<string, unknown>;
  }
  const Instance: {
    new (module: Module, imports?: Record<string, Record<string, unknown>>): Instance;
  };
  function validate(bytes: ArrayBufferView | ArrayBuffer): boolean;
}
