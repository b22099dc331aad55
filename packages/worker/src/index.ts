/** @segnas/worker */
export {};
