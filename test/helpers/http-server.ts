/**
 * A real HTTP server on 127.0.0.1 that serves files from memory and can misbehave in the ways
 * a download must survive. Tests set `mode` and read `requests` to see what the client did.
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
  | 'redirect';

export interface TestServer {
  /** Base URL ending in "/", as a --mirror takes it. */
  url: string;
  mode: ServeMode;
  failures: number;
  /** Paths requested, in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function startFileServer(files: ReadonlyMap<string, Buffer>, mode: ServeMode = 'good'): Promise<TestServer> {
  const served = new Map<string, number>();
  const state: TestServer = { url: '', mode, failures: 1, requests: [], close: async () => {} };
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
      res.write(body.subarray(0, body.length >> 1));
      if (state.mode === 'drop') setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    send(res, body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  state.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

function send(res: http.ServerResponse, body: Buffer): void {
  res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' });
  res.end(body);
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
