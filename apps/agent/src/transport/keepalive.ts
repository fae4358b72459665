/**
 * Dead-link detection with WebSocket-level pings: a half-open TCP connection (peer gone, no
 * FIN) would otherwise look alive for many minutes. No pong by the next ping: the link is dead.
 */
import type WebSocket from "ws";

/** Starts pinging; calls `onDead` once when a pong is missing. Returns a function that stops it. */
export function startKeepalive(ws: WebSocket, periodMs: number, onDead: () => void): () => void {
  let answered = true;
  const onPong = () => {
    answered = true;
  };
  ws.on("pong", onPong);
  const timer = setInterval(() => {
    if (!answered) {
      stop();
      onDead();
      return;
    }
    answered = false;
    ws.ping();
  }, periodMs);
  const stop = () => {
    clearInterval(timer);
    ws.off("pong", onPong);
  };
  return stop;
}
