/** Raw graphql-ws (graphql-transport-ws) connections for the security suite: what the server answers, and how it closes. */
import WebSocket from 'ws';

export const GRAPHQL_WS = 'graphql-transport-ws';

export function wsUrl(httpUrl: string): string {
  return httpUrl.replace(/^http/, 'ws');
}

export interface InitOutcome {
  /** The server acknowledged the connection. */
  acked: boolean;
  /** The close code, when the server closed instead (0 when it did not close). */
  code: number;
  reason: string;
}

/** Opens a socket, sends `connection_init` with `payload`, and reports whether the server acked or closed. */
export function connectionInit(url: string, payload: unknown): Promise<InitOutcome> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, GRAPHQL_WS);
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error('neither ack nor close within 10 s'));
    }, 10_000);
    socket.on('open', () => socket.send(JSON.stringify(payload === undefined ? { type: 'connection_init' } : { type: 'connection_init', payload })));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string };
      if (message.type === 'connection_ack') {
        clearTimeout(timer);
        socket.close(1000);
        resolve({ acked: true, code: 0, reason: '' });
      }
    });
    socket.on('close', (code, reason) => {
      clearTimeout(timer);
      resolve({ acked: false, code, reason: String(reason) });
    });
    socket.on('error', () => undefined);
  });
}
