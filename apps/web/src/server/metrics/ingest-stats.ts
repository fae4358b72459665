/** What the gateway reports about each metrics batch it stores, for the /metrics endpoint. */
export type BatchOutcome = "stored" | "duplicate" | "failed";

export interface IngestRecorder {
  /** One batch written (or refused): how long the write took and how many samples it carried. */
  batch(outcome: BatchOutcome, seconds: number, samples: number): void;
}

/** For servers and tests that do not export metrics. */
export const noIngestRecorder: IngestRecorder = { batch() {} };
