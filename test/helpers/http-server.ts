/**
 * A real HTTP server on 127.0.0.1 that serves files from memory and can misbehave in the ways
 * a download must survive. Tests set `mode` and read `requests` to see what the client did.
 * Every misbehaving response ends by itself after RESPONSE_LIMIT_MS, so a client that never
 * gives up cannot keep a test (or the server) running.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

export type ServeMode =
  | 'good'
  /** 404 for every file. */
  | 'not-found'
  /** 500 for the first `failures` requests of each file, then good. */
  | 'fail-then-good'
  /** Accept the connection, never answer. */
  | 'hang'
  /** Send the headers (with the full Content-Length) and half the body, then destroy the socket. */
  | 'drop'
  /** Send the headers and half the body, then go silent with the connection open. */
  | 'stall'
  /** Answer 200 with a valid gzip of other bytes. */
  | 'wrong'
  /** Redirect /NAME to /moved/NAME, which is served good. */
  | 'redirect'
  /** Declare the true Content-Length, then send one byte every `trickleMs`: never idle, never done. */
  | 'trickle'
  /** Declare a Content-Length of HUGE_LENGTH (10 GiB), then trickle as above. */
  | 'huge'
  /** No Content-Length (chunked): send bytes as fast as the client takes them, without end. */
  | 'endless';

export const HUGE_LENGTH = 10 * 2 ** 30;
/** The longest any response of this server lasts, whatever the client does. */
export const RESPONSE_LIMIT_MS = 15_000;

export interface TestServer {
  /** Base URL ending in "/", as a --mirror takes it. */
  url: string;
  mode: ServeMode;
  failures: number;
  /** Pause between bytes in the 'trickle' and 'huge' modes. */
  trickleMs: number;
  /** Paths requested, in order. */
  requests: string[];
  /** TCP connections accepted, including those that never made a valid HTTP request. */
  connections: number;
  /** Body bytes handed to the sockets, all responses together. */
  bytesSent: number;
  close(): Promise<void>;
}

export async function startFileServer(files: ReadonlyMap<string, Buffer>, mode: ServeMode = 'good'): Promise<TestServer> {
  const served = new Map<string, number>();
  const state: TestServer = {
    url: '',
    mode,
    failures: 1,
    trickleMs: 100,
    requests: [],
    connections: 0,
    bytesSent: 0,
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    const urlPath = req.url ?? '/';
    state.requests.push(urlPath);
    const moved = urlPath.startsWith('/moved/');
    const name = decodeURIComponent(urlPath.replace(/^\/(moved\/)?/, ''));
    const body = files.get(name);
    const count = (served.get(name) ?? 0) + 1;
    served.set(name, count);
    if (body === undefined || state.mode === 'not-found') return void res.writeHead(404).end('not found');
    if (state.mode === 'redirect' && !moved) return void res.writeHead(302, { location: `/moved/${name}` }).end();
    if (state.mode === 'fail-then-good' && count <= state.failures) return void res.writeHead(500).end('oops');
    if (state.mode === 'hang') return;
    if (state.mode === 'wrong') return void send(res, gzipSync(Buffer.from(`not ${name}`)));
    if (state.mode === 'drop' || state.mode === 'stall') {
      res.writeHead(200, { 'content-length': body.length });
      write(res, body.subarray(0, body.length >> 1));
      if (state.mode === 'drop') setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    if (state.mode === 'trickle' || state.mode === 'huge') {
      res.writeHead(200, { 'content-length': state.mode === 'huge' ? HUGE_LENGTH : body.length });
      let offset = 0;
      const timer = setInterval(() => write(res, body.subarray(offset, ++offset)), state.trickleMs);
      res.on('close', () => clearInterval(timer));
      return;
    }
    if (state.mode === 'endless') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 0x5a);
      const pump = (): void => {
        while (!res.destroyed && write(res, chunk));
      };
      res.on('drain', pump);
      pump();
      return;
    }
    send(res, body);
  });
  server.on('connection', (socket) => {
    state.connections++;
    // Whatever the client does, no response outlives the limit.
    const timer = setTimeout(() => socket.destroy(), RESPONSE_LIMIT_MS);
    socket.on('close', () => clearTimeout(timer));
  });

  function write(res: http.ServerResponse, bytes: Buffer): boolean {
    if (res.destroyed) return false;
    state.bytesSent += bytes.length;
    return res.write(bytes);
  }

  function send(res: http.ServerResponse, body: Buffer): void {
    res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' });
    write(res, body);
    res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  state.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** The files of a directory, by name, e.g. the system copy of Fashion-MNIST. */
export function readFiles(dir: string): Map<string, Buffer> {
  return new Map(readdirSync(dir).map((name) => [name, readFileSync(path.join(dir, name))]));
}

/** A URL on which nothing listens: the port was free a moment ago and is closed again. */
export async function closedPortUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/`;
}
