/** @segnas/server */
export {};
