// A raw TCP connection to a test server, for bodies that fetch cannot send (slow, cut, malformed):
// what the server answered so far, and what it had answered when it closed the connection.
import { connect, type Socket } from 'node:net';

export type Raw = { socket: Socket; answer: () => string; closed: Promise<string> };

export function rawConnection(port: number): Raw {
  const socket = connect(port, '127.0.0.1');
  let data = '';
  socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(data)));
  return { socket, answer: () => data, closed };
}

/** Writes to the socket and waits until it is flushed; nothing when the server already closed it. */
export const writeSome = (s: Socket, bytes: Buffer | string) =>
  new Promise<void>((resolve) => (s.destroyed ? resolve() : s.write(bytes, () => resolve())));
