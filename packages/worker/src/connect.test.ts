import { getEventListeners } from "node:events";
import { pause } from "./connect";

describe("pause", () => {
  it("leaves no abort listener behind, however many pauses share one signal", async () => {
    const stop = new AbortController();
    for (let i = 0; i < 20; i++) await pause(0, stop.signal);
    expect(getEventListeners(stop.signal, "abort")).toHaveLength(0);
  });

  it("ends early when the signal aborts, and at once when it already has", async () => {
    const stop = new AbortController();
    const p = pause(60_000, stop.signal);
    stop.abort();
    await p;
    expect(getEventListeners(stop.signal, "abort")).toHaveLength(0);
    await pause(60_000, stop.signal);
  });
});
