import type { Browser } from "playwright-core";

/** The chromium binary: $SEGNAS_CHROMIUM, else Debian's /usr/bin/chromium. */
export declare const CHROMIUM: string;
/** Launches CHROMIUM headless with the flags the tests and the benchmark share. */
export declare function launchChromium(): Promise<Browser>;
