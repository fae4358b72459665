"use client";

import { useQueryClient } from "@tanstack/react-query";
/**
 * One Socket.IO connection per browser tab, shared by every component through context.
 * The server authenticates it from the session cookie and joins it to the org room;
 * components add host rooms with `useHostSubscription` and listen with `useLiveEvent`.
 */
import { createContext, type ReactNode, useContext, useEffect, useEffectEvent, useMemo, useState } from "react";
import { io, type Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "@/shared/live-events";
import { useTRPC } from "./trpc";

export type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type LiveStatus = "connecting" | "live" | "reconnecting";

interface LiveSocketValue {
  socket: LiveSocket | null;
  status: LiveStatus;
}

const LiveSocketContext = createContext<LiveSocketValue | null>(null);

// How long to wait before reconnecting after the server refused or closed the connection
// itself (Socket.IO does not retry on its own in those cases).
const SERVER_CLOSE_RETRY_MS = 5_000;

export function LiveSocketProvider({ children }: { children: ReactNode }) {
  const [socket, setSocket] = useState<LiveSocket | null>(null);
  const [status, setStatus] = useState<LiveStatus>("connecting");
  const queryClient = useQueryClient();
  const trpc = useTRPC();

  useEffect(() => {
    const s: LiveSocket = io({ path: "/socket.io", withCredentials: true });
    let retry: ReturnType<typeof setTimeout> | undefined;

    const retryLater = () => {
      clearTimeout(retry);
      retry = setTimeout(() => s.connect(), SERVER_CLOSE_RETRY_MS);
    };

    s.on("connect", () => setStatus("live"));
    s.on("connect_error", () => {
      setStatus("reconnecting");
      // `active` is false when the server refused the handshake, for example because the
      // session expired: check it (the auth gate signs the person out) and try again later.
      if (!s.active) {
        void queryClient.invalidateQueries(trpc.auth.me.queryFilter());
        retryLater();
      }
    });
    s.on("disconnect", () => {
      setStatus("reconnecting");
      if (!s.active) retryLater();
    });
    setSocket(s);

    return () => {
      clearTimeout(retry);
      s.removeAllListeners();
      s.disconnect();
      setSocket(null);
    };
  }, [queryClient, trpc]);

  const value = useMemo(() => ({ socket, status }), [socket, status]);
  return <LiveSocketContext.Provider value={value}>{children}</LiveSocketContext.Provider>;
}

/** The tab's live connection and its state; `socket` is null until the provider mounts. */
export function useLiveSocket(): LiveSocketValue {
  const value = useContext(LiveSocketContext);
  if (!value) throw new Error("useLiveSocket must be used inside <LiveSocketProvider>");
  return value;
}

type EventName = keyof ServerToClientEvents;

/**
 * Calls `handler` for every `event` pushed by the server. The latest handler is always
 * used, so callers need not memoise it.
 */
export function useLiveEvent<E extends EventName>(event: E, handler: ServerToClientEvents[E]): void {
  const { socket } = useLiveSocket();
  const onEvent = useEffectEvent((...args: Parameters<ServerToClientEvents[E]>) =>
    (handler as (...a: typeof args) => void)(...args),
  );

  useEffect(() => {
    if (!socket) return;
    const listener = (...args: Parameters<ServerToClientEvents[E]>) => onEvent(...args);
    // Socket.IO's typed `on` cannot see through a generic event name.
    const untyped = socket as unknown as {
      on: (e: string, l: unknown) => void;
      off: (e: string, l: unknown) => void;
    };
    untyped.on(event, listener);
    return () => untyped.off(event, listener);
  }, [socket, event]);
}

/** How many mounted components want each host room, per connection: rooms are not counted by the server. */
const hostRoomUsers = new WeakMap<LiveSocket, Map<string, number>>();

/**
 * Joins the `host:<id>` room while the calling component is mounted (and again after every
 * reconnect), so that `workload:metrics` and `command:output` for that host reach this tab.
 * Several components may want the same room: it is left when the last of them unmounts.
 */
export function useHostSubscription(hostId: string | null): void {
  const { socket } = useLiveSocket();

  useEffect(() => {
    if (!socket || !hostId) return;
    const room = { kind: "host" as const, id: hostId };
    let users = hostRoomUsers.get(socket);
    if (!users) {
      users = new Map();
      hostRoomUsers.set(socket, users);
    }
    users.set(hostId, (users.get(hostId) ?? 0) + 1);
    const join = () => socket.emit("subscribe", room);
    if (socket.connected) join();
    socket.on("connect", join);
    return () => {
      socket.off("connect", join);
      const left = (users.get(hostId) ?? 1) - 1;
      if (left > 0) {
        users.set(hostId, left);
        return;
      }
      users.delete(hostId);
      if (socket.connected) socket.emit("unsubscribe", room);
    };
  }, [socket, hostId]);
}
