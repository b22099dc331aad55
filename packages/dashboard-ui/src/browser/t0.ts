// Imported first by main.ts: when the bundle starts to run (before the chart libraries'
// module code), for the benchmark's breakdown of the first paint.
performance.mark("segnas-script-start");
