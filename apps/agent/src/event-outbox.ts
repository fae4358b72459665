/**
 * Events (workload lifecycle, spool gaps) waiting for a live link. The protocol has no ack for
 * events, so they are held in memory only until sent once; the bound keeps the newest.
 */
import { randomUUID } from "node:crypto";
import type { EventFrame } from "@flotilla/protocol";
import type { DriverEvent } from "./drivers/driver.js";

export class EventOutbox {
  private readonly queue: EventFrame[] = [];

  constructor(
    private readonly send: (frame: EventFrame) => boolean,
    private readonly max = 1000,
  ) {}

  get size(): number {
    return this.queue.length;
  }

  /** Stamps the event with its id and time and queues it; sends right away when `live`. */
  push(event: DriverEvent, live: boolean): void {
    this.queue.push({ type: "event", id: randomUUID(), ts: Date.now(), ...event });
    if (this.queue.length > this.max) this.queue.shift();
    if (live) this.flush();
  }

  /** Sends queued events in order until the link refuses one. */
  flush(): void {
    for (let event = this.queue[0]; event && this.send(event); event = this.queue[0]) this.queue.shift();
  }
}
