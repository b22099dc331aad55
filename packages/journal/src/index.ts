/** @segnas/journal */
export {};
