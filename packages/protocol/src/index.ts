/** @segnas/protocol */
export {};
